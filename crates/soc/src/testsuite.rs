//! The conformance suite every [`StateStore`] backend must pass: the whole surface
//! (tenants, tokens, users, sessions, login throttle, alerts, dedup, suppressions, triage,
//! incidents, tasks, comments, SLA, NIS2, preferences, the audit chain).
//!
//! Written against the trait, plus the little a backend must offer tests beyond it
//! ([`Harness`]: moving an incident's clock, a second handle on the same database). Each case
//! takes a fresh, empty store and panics on the first violation. A backend runs them all
//! with [`run_all`] and adds what only it can check (that a token secret is absent from its
//! files, that data survives a reopen) with the helpers [`persistence_write`] /
//! [`persistence_check`] and the secrets returned by [`tokens`]. [`pg`] starts a throwaway
//! PostgreSQL server for the PostgreSQL engine's run.
//!
//! Enabled in this crate's tests and, for other backends, by the `testsuite` feature.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use vigie_access::TenantScope;
use vigie_event::{EventId, Severity, TenantId, TenantSlug};

use crate::desk::{Actor, Incident, IncidentPatch};
use crate::{
    AlertFilter, NewAlert, Page, RuleAudience, RuleStatus, SocError, StateStore, alert_id,
};
use vigie_access::token::{self, NewUserToken};
use vigie_access::{Access, AuthError, Permission, Role, Tenant, TokenKind, TokenOwner};
use vigie_access::{NewUser, User, UserAuthority, UserPatch};

mod audit;
mod desk;
mod limits;
mod nis2;
mod notify;
pub mod pg;
mod prefs;
mod sla;
pub use audit::{audit_chain, audit_concurrent_writers, sessions};
pub use desk::{
    comment_visibility, dedup_and_replay, desk_scope, incident_lifecycle, incident_list,
    merge_and_split, suppressions, triage,
};
pub use limits::{login_limits, login_throttle_keying, text_limits};
pub use nis2::{nis2_case_lifecycle, nis2_profiles};
pub use notify::{notification_pages, notifications, sla_watch};
pub use prefs::{dashboard_counts, prefs};
pub use sla::{breaches, clock_figures};

/// A shared store, as most cases use it.
pub type Store = Arc<dyn StateStore>;

/// What the suite needs of a backend beyond [`StateStore`]; for tests only.
#[async_trait::async_trait]
pub trait Harness: StateStore {
    /// Moves incident `id`'s creation time (SLA figures over days of calendar).
    async fn backdate_incident(
        &self,
        id: crate::IncidentId,
        created_at: Timestamp,
    ) -> Result<(), SocError>;

    /// [`IncidentStore::update_incident`](crate::IncidentStore::update_incident) as if it happened at `at`.
    async fn update_incident_at(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: crate::IncidentId,
        patch: &IncidentPatch,
        at: Timestamp,
    ) -> Result<Option<Incident>, SocError>;

    /// Another handle on the same database with its own connections, as another process or
    /// node would open it.
    async fn another_handle(&self) -> Result<Fixture, SocError>;
}

/// A fresh store of the backend under test.
pub type Fixture = Arc<dyn Harness>;

/// Runs every backend-independent case, each on a store from `fresh`.
pub async fn run_all<F, Fut>(mut fresh: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Fixture>,
{
    macro_rules! cases {
        ($($case:ident),* $(,)?) => {
            $(
                let started = std::time::Instant::now();
                $case(fresh().await).await;
                tracing::debug!(case = stringify!($case), elapsed = ?started.elapsed(), "conformance case passed");
            )*
        };
    }
    cases!(
        tenants,
        tokens,
        users,
        rule_status,
        alerts_idempotent,
        alerts_round_trip,
        alerts_scoped,
        alerts_filters,
        alerts_pagination,
        invalid_cursor,
        user_tokens,
        user_authority,
        text_limits,
        login_limits,
        login_throttle_keying,
        sessions,
        dedup_and_replay,
        suppressions,
        triage,
        incident_lifecycle,
        merge_and_split,
        comment_visibility,
        notifications,
        notification_pages,
        sla_watch,
        incident_list,
        desk_scope,
        breaches,
        clock_figures,
        nis2_case_lifecycle,
        nis2_profiles,
        prefs,
        dashboard_counts,
        audit_chain,
        audit_concurrent_writers,
    );
    let store = fresh().await;
    let marker = persistence_write(store.clone()).await;
    persistence_check(store, &marker).await;
}

/// A slug from a literal.
pub fn slug(s: &str) -> TenantSlug {
    TenantSlug::new(s).expect("test slug")
}

/// The platform scope, as the local operator gets it.
pub fn platform(store: &Store) -> TenantScope {
    Access::new(store.clone()).operator_scope()
}

/// The SOC staff's audience (internal comments too), as a principal with a SOC role gets it.
pub fn staff() -> vigie_access::Audience {
    vigie_access::testing::staff_audience()
}

/// An internal note with `body`.
pub fn note(body: impl Into<String>) -> crate::desk::NewComment {
    crate::desk::NewComment::note(body, crate::desk::Visibility::Internal)
}

/// The scope of `tenant`, obtained honestly: a read token of the tenant, authenticated.
pub async fn tenant_scope(store: &Store, tenant: TenantId) -> TenantScope {
    let token = store
        .create_token(TokenOwner::Tenant(tenant), TokenKind::Read, "testsuite")
        .await
        .expect("create read token");
    let credential = Access::new(store.clone())
        .authenticate(Some(&token.secret))
        .await
        .expect("authenticate read token");
    credential.scope
}

/// An alert of `rule` on event number `event` of `tenant`.
pub fn new_alert(tenant: TenantId, rule: &str, severity: Severity, event: u128) -> NewAlert {
    NewAlert {
        tenant,
        rule_id: rule.to_owned(),
        rule_title: format!("title of {rule}"),
        severity,
        event_id: EventId(event),
        event_received_at: Timestamp::from_second(1_700_000_000).expect("valid time")
            + Duration::from_millis(u64::try_from(event % 1_000_000).unwrap_or(0)),
        event: serde_json::json!({ "EventID": 4625, "n": event.to_string(), "tenant": tenant.0 }),
        group_key: None,
    }
}

async fn create(store: &Store, s: &str) -> Tenant {
    store
        .create_tenant(&slug(s), &format!("Tenant {s}"))
        .await
        .expect("create tenant")
}

/// Every alert of `scope` passing `filter`, walking the pages of `limit`.
pub async fn all_alerts(
    store: &Store,
    scope: &TenantScope,
    filter: &AlertFilter,
    limit: u32,
) -> Vec<crate::Alert> {
    let mut out = Vec::new();
    let mut page = Page::first(limit);
    for _ in 0..10_000 {
        let got = store
            .list_alerts(scope, filter, &page)
            .await
            .expect("list alerts");
        assert!(got.alerts.len() <= page.effective_limit() as usize);
        out.extend(got.alerts);
        match got.next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => return out,
        }
    }
    panic!("pagination does not terminate");
}

fn ids(alerts: &[crate::Alert]) -> BTreeSet<String> {
    alerts.iter().map(|a| a.id.clone()).collect()
}

/// Tenants: create, conflict naming the slug, list and find within a scope.
pub async fn tenants(store: Store) {
    let all = platform(&store);
    assert!(store.list_tenants(&all).await.unwrap().is_empty());
    let b = create(&store, "police-ouest").await;
    let a = create(&store, "cpas-liege").await;
    assert_ne!(a.id, b.id);
    assert_eq!(a.slug, slug("cpas-liege"));
    assert_eq!(a.name, "Tenant cpas-liege");

    match store.create_tenant(&slug("cpas-liege"), "again").await {
        Err(SocError::Conflict { what, value }) => {
            assert_eq!(what, "tenant");
            assert_eq!(value, "cpas-liege");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }

    // Platform: both, by slug, exactly as created.
    assert_eq!(
        store.list_tenants(&all).await.unwrap(),
        vec![a.clone(), b.clone()]
    );
    // A tenant scope: only itself.
    let scope_a = tenant_scope(&store, a.id).await;
    assert_eq!(store.list_tenants(&scope_a).await.unwrap(), vec![a.clone()]);
    assert_eq!(
        store.find_tenant(&scope_a, &a.slug).await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(store.find_tenant(&scope_a, &b.slug).await.unwrap(), None);
    assert_eq!(
        store.find_tenant(&all, &b.slug).await.unwrap(),
        Some(b.clone())
    );
    assert_eq!(
        store.find_tenant(&all, &slug("nobody")).await.unwrap(),
        None
    );
}

/// Tokens: creation, scoped listing, lookup by hash, revocation, and authentication through
/// [`Access`]. Returns the secrets created so the backend can check they are not stored.
pub async fn tokens(store: Store) -> Vec<String> {
    let all = platform(&store);
    let access = Access::new(store.clone());
    let a = create(&store, "hopital-nord").await;
    let b = create(&store, "region-sud").await;

    let ingest_a = store
        .create_token_declaring(
            TokenOwner::Tenant(a.id),
            TokenKind::Ingest,
            "syslog relay",
            Some("linux.auditd"),
        )
        .await
        .unwrap();
    let read_b = store
        .create_token(TokenOwner::Tenant(b.id), TokenKind::Read, "b reader")
        .await
        .unwrap();
    let admin = store
        .create_token(TokenOwner::Platform, TokenKind::Admin, "soc admin")
        .await
        .unwrap();
    for token in [&ingest_a, &read_b, &admin] {
        assert!(vigie_access::token::is_well_formed_secret(&token.secret));
        assert!(!token.info.revoked);
        assert!(
            !format!("{token:?}").contains(&token.secret),
            "Debug leaks the secret"
        );
    }
    assert_eq!(ingest_a.info.owner, TokenOwner::Tenant(a.id));
    assert_eq!(ingest_a.info.kind, TokenKind::Ingest);
    assert_eq!(ingest_a.info.label, "syslog relay");
    assert_eq!(ingest_a.info.source_type.as_deref(), Some("linux.auditd"));
    assert_eq!(read_b.info.source_type, None);

    match store
        .create_token(
            TokenOwner::Tenant(TenantId(a.id.0 + b.id.0 + 100)),
            TokenKind::Read,
            "x",
        )
        .await
    {
        Err(SocError::NotFound { what: "tenant", .. }) => {}
        other => panic!("token for a missing tenant: {other:?}"),
    }

    // Listing: platform sees all three; a tenant only its own, never platform tokens.
    let listed = store.list_tokens(&all).await.unwrap();
    assert_eq!(
        listed,
        vec![
            ingest_a.info.clone(),
            read_b.info.clone(),
            admin.info.clone()
        ]
    );
    let scope_a = all.narrow(a.id).unwrap();
    assert_eq!(
        store.list_tokens(&scope_a).await.unwrap(),
        vec![ingest_a.info.clone()]
    );

    // Lookup by hash, and authentication.
    let hash = vigie_access::token::hash_secret(&ingest_a.secret);
    assert_eq!(
        store.token_by_secret_hash(&hash).await.unwrap(),
        Some(ingest_a.info.clone())
    );
    assert_eq!(store.token_by_secret_hash(&[0u8; 32]).await.unwrap(), None);
    let cred = access.authenticate(Some(&ingest_a.secret)).await.unwrap();
    assert_eq!(cred.token_id, ingest_a.info.id);
    assert_eq!(cred.kind, TokenKind::Ingest);
    assert_eq!(cred.ingest_tenant(), Some(a.id));
    assert_eq!(cred.source_type.as_deref(), Some("linux.auditd"));
    assert!(cred.scope.contains(a.id) && !cred.scope.contains(b.id));
    let cred = access.authenticate(Some(&admin.secret)).await.unwrap();
    assert!(cred.scope.is_platform());
    assert_eq!(cred.ingest_tenant(), None);
    assert_eq!(cred.kind, TokenKind::Admin);

    // Revocation is scoped: B cannot revoke A's token, nor a platform token.
    let scope_b = tenant_scope(&store, b.id).await;
    assert!(
        !store
            .revoke_token(&scope_b, ingest_a.info.id)
            .await
            .unwrap()
    );
    assert!(!store.revoke_token(&scope_b, admin.info.id).await.unwrap());
    assert!(access.authenticate(Some(&ingest_a.secret)).await.is_ok());
    assert!(access.authenticate(Some(&admin.secret)).await.is_ok());
    assert!(
        !store
            .revoke_token(&all, vigie_access::TokenId(999_999))
            .await
            .unwrap()
    );

    assert!(
        store
            .revoke_token(&scope_a, ingest_a.info.id)
            .await
            .unwrap()
    );
    assert_eq!(
        access.authenticate(Some(&ingest_a.secret)).await,
        Err(AuthError::Revoked)
    );
    // Idempotent, and listed as revoked.
    assert!(store.revoke_token(&all, ingest_a.info.id).await.unwrap());
    let listed = store.list_tokens(&scope_a).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].revoked);
    // The others still work.
    assert!(access.authenticate(Some(&read_b.secret)).await.is_ok());

    vec![ingest_a.secret, read_b.secret, admin.secret]
}

/// Users: count, create, password verification, conflict.
pub async fn users(store: Store) {
    assert_eq!(store.user_count().await.unwrap(), 0);
    let id = store
        .create_user("admin", "s3cret passphrase", Role::PlatformAdmin)
        .await
        .unwrap();
    assert!(id > vigie_access::UserId(0));
    assert_eq!(store.user_count().await.unwrap(), 1);
    assert!(
        store
            .verify_user_password("admin", "s3cret passphrase")
            .await
            .unwrap()
    );
    assert!(
        !store
            .verify_user_password("admin", "s3cret passphrasE")
            .await
            .unwrap()
    );
    assert!(
        !store
            .verify_user_password("nobody", "s3cret passphrase")
            .await
            .unwrap()
    );
    match store
        .create_user("admin", "other", Role::PlatformAdmin)
        .await
    {
        Err(SocError::Conflict {
            what: "user",
            value,
        }) => assert_eq!(value, "admin"),
        other => panic!("duplicate user: {other:?}"),
    }
    assert_eq!(store.user_count().await.unwrap(), 1);
}

fn status(path: &str, loaded: bool) -> RuleStatus {
    RuleStatus {
        path: path.to_owned(),
        audience: RuleAudience::Everyone,
        rule_id: loaded.then(|| format!("id-{path}")),
        title: loaded.then(|| format!("title {path}")),
        severity: loaded.then_some(Severity::High),
        loaded,
        reason: (!loaded).then(|| "unsupported modifier |re|i".to_owned()),
    }
}

/// Rule status: replace and list, by path; several documents of one file; each tenant reads
/// the shared rules and its own filters, the platform everything.
pub async fn rule_status(store: Store) {
    let all = platform(&store);
    assert!(store.list_rule_status(&all).await.unwrap().is_empty());
    let first = vec![
        status("windows/b.yml", false),
        status("windows/a.yml", true),
    ];
    store.replace_rule_status(&first).await.unwrap();
    let listed = store.list_rule_status(&all).await.unwrap();
    assert_eq!(listed, vec![first[1].clone(), first[0].clone()]);

    let a = create(&store, "rules-a").await;
    let b = create(&store, "rules-b").await;
    let filter = |path: &str, audience: RuleAudience| RuleStatus {
        audience,
        ..status(path, true)
    };
    let second = vec![
        status("linux/c.yml", true),
        // A second document of the same file.
        RuleStatus {
            rule_id: Some("id-linux/c.yml#2".into()),
            ..status("linux/c.yml", true)
        },
        filter("filters/rules-a/f.yml", RuleAudience::Tenant(a.id)),
        filter("filters/rules-b/f.yml", RuleAudience::Tenant(b.id)),
        filter("filters/nobody/f.yml", RuleAudience::Platform),
    ];
    store.replace_rule_status(&second).await.unwrap();
    let paths = |list: Vec<RuleStatus>| -> Vec<(String, Option<String>)> {
        list.into_iter().map(|r| (r.path, r.rule_id)).collect()
    };
    let every: Vec<_> = paths(second.clone());
    let mut sorted = every.clone();
    sorted.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(paths(store.list_rule_status(&all).await.unwrap()), sorted);
    let scope_a = tenant_scope(&store, a.id).await;
    assert_eq!(
        paths(store.list_rule_status(&scope_a).await.unwrap()),
        vec![every[2].clone(), every[0].clone(), every[1].clone()],
        "tenant A: its filter and the shared rules"
    );
    let scope_b = tenant_scope(&store, b.id).await;
    let for_b = store.list_rule_status(&scope_b).await.unwrap();
    assert_eq!(for_b.len(), 3);
    assert!(
        for_b
            .iter()
            .all(|r| r.audience != RuleAudience::Tenant(a.id)
                && r.audience != RuleAudience::Platform)
    );

    store.replace_rule_status(&[]).await.unwrap();
    assert!(store.list_rule_status(&all).await.unwrap().is_empty());
}

/// Alerts: the same alert twice is one row; a batch with an unknown tenant writes nothing.
pub async fn alerts_idempotent(store: Store) {
    let all = platform(&store);
    let a = create(&store, "ville-namur").await;
    let alert = new_alert(a.id, "rule-1", Severity::High, 1);
    assert_eq!(
        store
            .insert_alerts(std::slice::from_ref(&alert))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .insert_alerts(std::slice::from_ref(&alert))
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.count_alerts(&all).await.unwrap(), 1);

    // Within one batch, and mixed with new ones.
    let other = new_alert(a.id, "rule-2", Severity::Low, 1);
    assert_eq!(
        store
            .insert_alerts(&[alert.clone(), other.clone(), other.clone()])
            .await
            .unwrap(),
        1
    );
    assert_eq!(store.count_alerts(&all).await.unwrap(), 2);
    assert_eq!(store.insert_alerts(&[]).await.unwrap(), 0);

    // The first created_at is kept on replay.
    let listed = all_alerts(&store, &all, &AlertFilter::default(), 100).await;
    let first = listed
        .iter()
        .find(|x| x.id == alert.id())
        .unwrap()
        .created_at;
    store
        .insert_alerts(std::slice::from_ref(&alert))
        .await
        .unwrap();
    let listed = all_alerts(&store, &all, &AlertFilter::default(), 100).await;
    assert_eq!(
        listed
            .iter()
            .find(|x| x.id == alert.id())
            .unwrap()
            .created_at,
        first
    );

    // One transaction: an unknown tenant fails the whole batch.
    let fresh = new_alert(a.id, "rule-3", Severity::Low, 7);
    let orphan = new_alert(TenantId(a.id.0 + 1000), "rule-3", Severity::Low, 8);
    match store.insert_alerts(&[fresh, orphan]).await {
        Err(SocError::NotFound { what: "tenant", .. }) => {}
        other => panic!("alert of an unknown tenant: {other:?}"),
    }
    assert_eq!(store.count_alerts(&all).await.unwrap(), 2);
}

/// Alerts: every field comes back as stored.
pub async fn alerts_round_trip(store: Store) {
    let all = platform(&store);
    let a = create(&store, "cpas-mons").await;
    let before = Timestamp::now();
    let alert = new_alert(
        a.id,
        "sigma-4625",
        Severity::Critical,
        0xdead_beef_u128 << 64,
    );
    store
        .insert_alerts(std::slice::from_ref(&alert))
        .await
        .unwrap();
    let after = Timestamp::now();
    let listed = all_alerts(&store, &all, &AlertFilter::default(), 10).await;
    assert_eq!(listed.len(), 1);
    let got = &listed[0];
    assert_eq!(got.id, alert_id("sigma-4625", alert.event_id));
    assert_eq!(got.tenant, a.id);
    assert_eq!(got.tenant_slug, a.slug);
    assert_eq!(got.rule_id, alert.rule_id);
    assert_eq!(got.rule_title, alert.rule_title);
    assert_eq!(got.severity, Severity::Critical);
    assert_eq!(got.event_id, alert.event_id);
    assert_eq!(got.event_received_at, alert.event_received_at);
    assert_eq!(got.event, alert.event);
    // Stored at microsecond precision.
    let micros = |t: Timestamp| t.as_microsecond();
    assert!(micros(before) <= micros(got.created_at) && micros(got.created_at) <= micros(after));
}

/// Alerts: a tenant scope never returns another tenant's alerts; `filter.tenant` outside the
/// scope returns nothing; the platform sees all.
pub async fn alerts_scoped(store: Store) {
    let all = platform(&store);
    let a = create(&store, "zone-a").await;
    let b = create(&store, "zone-b").await;
    let c = create(&store, "zone-c").await;
    let mut batch = Vec::new();
    for n in 0..6u128 {
        batch.push(new_alert(a.id, "r", Severity::Medium, n));
    }
    for n in 100..104u128 {
        batch.push(new_alert(b.id, "r", Severity::Medium, n));
    }
    assert_eq!(store.insert_alerts(&batch).await.unwrap(), 10);

    let scope_a = tenant_scope(&store, a.id).await;
    let scope_b = tenant_scope(&store, b.id).await;
    let scope_c = tenant_scope(&store, c.id).await;
    let none = AlertFilter::default();

    let seen_a = all_alerts(&store, &scope_a, &none, 4).await;
    assert_eq!(seen_a.len(), 6);
    assert!(
        seen_a
            .iter()
            .all(|x| x.tenant == a.id && x.tenant_slug == a.slug)
    );
    let seen_b = all_alerts(&store, &scope_b, &none, 4).await;
    assert_eq!(seen_b.len(), 4);
    assert!(seen_b.iter().all(|x| x.tenant == b.id));
    assert!(all_alerts(&store, &scope_c, &none, 4).await.is_empty());
    assert_eq!(all_alerts(&store, &all, &none, 4).await.len(), 10);

    // filter.tenant narrows, and outside the scope yields nothing.
    let only_b = AlertFilter {
        tenant: Some(b.id),
        ..AlertFilter::default()
    };
    assert!(all_alerts(&store, &scope_a, &only_b, 100).await.is_empty());
    assert_eq!(
        ids(&all_alerts(&store, &all, &only_b, 100).await),
        ids(&seen_b)
    );
    assert_eq!(
        ids(&all_alerts(&store, &scope_b, &only_b, 100).await),
        ids(&seen_b)
    );
    let unknown = AlertFilter {
        tenant: Some(TenantId(c.id.0 + 1000)),
        ..AlertFilter::default()
    };
    assert!(all_alerts(&store, &all, &unknown, 100).await.is_empty());

    assert_eq!(store.count_alerts(&scope_a).await.unwrap(), 6);
    assert_eq!(store.count_alerts(&scope_b).await.unwrap(), 4);
    assert_eq!(store.count_alerts(&scope_c).await.unwrap(), 0);
    assert_eq!(store.count_alerts(&all).await.unwrap(), 10);

    // Listing tenants and tokens is scoped the same way.
    assert_eq!(store.list_tenants(&scope_b).await.unwrap(), vec![b.clone()]);
    assert!(
        store
            .list_tokens(&scope_b)
            .await
            .unwrap()
            .iter()
            .all(|t| t.owner == TokenOwner::Tenant(b.id))
    );
}

/// Alerts: filters by rule, severity set, minimum severity and creation time.
pub async fn alerts_filters(store: Store) {
    let all = platform(&store);
    let a = create(&store, "ministere-x").await;
    let early = vec![
        new_alert(a.id, "brute-force", Severity::Low, 1),
        new_alert(a.id, "brute-force", Severity::High, 2),
        new_alert(a.id, "mimikatz", Severity::Critical, 3),
    ];
    store.insert_alerts(&early).await.unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let middle = Timestamp::now();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let late = vec![
        new_alert(a.id, "brute-force", Severity::Medium, 4),
        new_alert(a.id, "recon", Severity::Informational, 5),
    ];
    store.insert_alerts(&late).await.unwrap();

    let want =
        |alerts: &[NewAlert]| -> BTreeSet<String> { alerts.iter().map(NewAlert::id).collect() };
    let got = |filter: AlertFilter| {
        let store = store.clone();
        let all = all.clone();
        async move { ids(&all_alerts(&store, &all, &filter, 2).await) }
    };

    let by_rule = AlertFilter {
        rule_id: Some("brute-force".into()),
        ..AlertFilter::default()
    };
    assert_eq!(
        got(by_rule).await,
        want(&[early[0].clone(), early[1].clone(), late[0].clone()])
    );
    let by_set = AlertFilter {
        severities: vec![Severity::Low, Severity::Critical],
        ..AlertFilter::default()
    };
    assert_eq!(
        got(by_set).await,
        want(&[early[0].clone(), early[2].clone()])
    );
    let at_least_high = AlertFilter {
        min_severity: Some(Severity::High),
        ..AlertFilter::default()
    };
    assert_eq!(
        got(at_least_high).await,
        want(&[early[1].clone(), early[2].clone()])
    );
    let since = AlertFilter {
        since: Some(middle),
        ..AlertFilter::default()
    };
    assert_eq!(got(since).await, want(&late));
    let until = AlertFilter {
        until: Some(middle),
        ..AlertFilter::default()
    };
    assert_eq!(got(until).await, want(&early));
    let combined = AlertFilter {
        rule_id: Some("brute-force".into()),
        min_severity: Some(Severity::Medium),
        since: Some(middle),
        ..AlertFilter::default()
    };
    assert_eq!(got(combined).await, want(&[late[0].clone()]));
    let nothing = AlertFilter {
        rule_id: Some("no-such-rule".into()),
        ..AlertFilter::default()
    };
    assert!(got(nothing).await.is_empty());
}

/// Alerts: walking pages visits every alert exactly once, newest first.
pub async fn alerts_pagination(store: Store) {
    let all = platform(&store);
    let a = create(&store, "commune-a").await;
    let b = create(&store, "commune-b").await;
    let mut expected = BTreeMap::new();
    let mut n = 0u128;
    // Several batches: alerts in one batch share created_at, so ties are broken by id.
    for batch_size in [7usize, 1, 9, 6] {
        let mut batch = Vec::new();
        for _ in 0..batch_size {
            n += 1;
            let tenant = if n.is_multiple_of(3) { b.id } else { a.id };
            let alert = new_alert(tenant, &format!("rule-{}", n % 4), Severity::Low, n);
            expected.insert(alert.id(), tenant);
            batch.push(alert);
        }
        store.insert_alerts(&batch).await.unwrap();
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    for limit in [1u32, 4, 5, 23, 1000] {
        let walked = all_alerts(&store, &all, &AlertFilter::default(), limit).await;
        assert_eq!(walked.len(), expected.len(), "limit {limit}");
        assert_eq!(
            ids(&walked),
            expected.keys().cloned().collect(),
            "limit {limit}"
        );
        for pair in walked.windows(2) {
            assert!(
                (pair[0].created_at, &pair[0].id) > (pair[1].created_at, &pair[1].id),
                "not newest first at limit {limit}"
            );
        }
    }
    // The first page of the newest; a page of exactly the remaining rows ends the walk.
    let page = store
        .list_alerts(&all, &AlertFilter::default(), &Page::first(23))
        .await
        .unwrap();
    assert_eq!(page.alerts.len(), 23);
    assert_eq!(page.next_cursor, None);
    // A limit of 0 is clamped to 1.
    let page = store
        .list_alerts(&all, &AlertFilter::default(), &Page::first(0))
        .await
        .unwrap();
    assert_eq!(page.alerts.len(), 1);
    assert!(page.next_cursor.is_some());
    // Pagination inside a tenant scope.
    let scope_b = tenant_scope(&store, b.id).await;
    let walked = all_alerts(&store, &scope_b, &AlertFilter::default(), 2).await;
    let want: BTreeSet<String> = expected
        .iter()
        .filter(|(_, t)| **t == b.id)
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(walked.len(), want.len());
    assert_eq!(ids(&walked), want);
}

/// A cursor the store did not hand out is an error naming it.
pub async fn invalid_cursor(store: Store) {
    let all = platform(&store);
    for bad in ["garbage", "", "00ff"] {
        let page = Page {
            limit: 10,
            cursor: Some(bad.to_owned()),
        };
        match store
            .list_alerts(&all, &AlertFilter::default(), &page)
            .await
        {
            Err(SocError::InvalidCursor(named)) => assert_eq!(named, bad),
            other => panic!("cursor {bad:?}: {other:?}"),
        }
    }
}

/// What [`persistence_write`] stored, to be found again after a reopen.
#[derive(Debug, Clone)]
pub struct PersistMarker {
    /// The tenant created.
    pub tenant: Tenant,
    /// The token secret created (still valid).
    pub secret: String,
    /// The revoked token secret.
    pub revoked_secret: String,
    /// The alert ids inserted.
    pub alert_ids: BTreeSet<String>,
    /// The rule status stored.
    pub rules: Vec<RuleStatus>,
}

/// Writes one of everything; check it with [`persistence_check`] on a reopened store.
pub async fn persistence_write(store: Store) -> PersistMarker {
    let all = platform(&store);
    let tenant = create(&store, "persist-me").await;
    let token = store
        .create_token(TokenOwner::Tenant(tenant.id), TokenKind::Ingest, "keep")
        .await
        .unwrap();
    let revoked = store
        .create_token(TokenOwner::Platform, TokenKind::Admin, "gone")
        .await
        .unwrap();
    assert!(store.revoke_token(&all, revoked.info.id).await.unwrap());
    store
        .create_user("operator", "long enough password", Role::PlatformAdmin)
        .await
        .unwrap();
    let alerts: Vec<NewAlert> = (1..=3)
        .map(|n| new_alert(tenant.id, "persisted", Severity::High, n))
        .collect();
    store.insert_alerts(&alerts).await.unwrap();
    let rules = vec![status("a.yml", true), status("b.yml", false)];
    store.replace_rule_status(&rules).await.unwrap();
    PersistMarker {
        tenant,
        secret: token.secret,
        revoked_secret: revoked.secret,
        alert_ids: alerts.iter().map(NewAlert::id).collect(),
        rules,
    }
}

/// Checks that everything [`persistence_write`] stored is still there.
pub async fn persistence_check(store: Store, marker: &PersistMarker) {
    let all = platform(&store);
    let access = Access::new(store.clone());
    assert_eq!(
        store.find_tenant(&all, &marker.tenant.slug).await.unwrap(),
        Some(marker.tenant.clone())
    );
    let cred = access.authenticate(Some(&marker.secret)).await.unwrap();
    assert_eq!(cred.ingest_tenant(), Some(marker.tenant.id));
    assert_eq!(
        access.authenticate(Some(&marker.revoked_secret)).await,
        Err(AuthError::Revoked)
    );
    assert_eq!(store.user_count().await.unwrap(), 1);
    assert!(
        store
            .verify_user_password("operator", "long enough password")
            .await
            .unwrap()
    );
    let alerts = all_alerts(&store, &all, &AlertFilter::default(), 2).await;
    assert_eq!(ids(&alerts), marker.alert_ids);
    let mut rules = marker.rules.clone();
    rules.sort_by(|x, y| x.path.cmp(&y.path));
    assert_eq!(store.list_rule_status(&all).await.unwrap(), rules);
    // Replaying the same alerts after the reopen adds nothing.
    let replay: Vec<NewAlert> = (1..=3)
        .map(|n| new_alert(marker.tenant.id, "persisted", Severity::High, n))
        .collect();
    assert_eq!(store.insert_alerts(&replay).await.unwrap(), 0);
}

// ---- Users: a user's own tokens, management authority ------------------------------------

const USER_PASSWORD: &str = "a long enough password";

async fn two_tenants(s: &Store) -> (TenantId, TenantId) {
    let a = s.create_tenant(&slug("ta"), "A").await.unwrap().id;
    let b = s.create_tenant(&slug("tb"), "B").await.unwrap().id;
    (a, b)
}

async fn user(s: &Store, name: &str, role: Role, tenants: Vec<TenantId>) -> User {
    s.add_user(
        &Actor::operator(),
        &platform(s),
        &NewUser {
            username: name.into(),
            password: USER_PASSWORD.into(),
            role,
            tenants,
        },
    )
    .await
    .unwrap()
}

fn token_request(permissions: &[Permission], tenants: Option<Vec<TenantId>>) -> NewUserToken {
    NewUserToken {
        label: "ticketing".into(),
        permissions: permissions.to_vec(),
        tenants,
        expires_at: None,
    }
}

async fn actions(s: &Store) -> Vec<String> {
    s.audit_entries(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

/// A user's own API token acts within the intersection of its permissions and the user's
/// current role and tenants; changes apply on the next request; only the owner revokes.
pub async fn user_tokens(s: Store) {
    let (a, b) = two_tenants(&s).await;
    let access = Access::new(s.clone());
    let all = platform(&s);
    let ana = user(&s, "ana", Role::Analyst, vec![a, b]).await;
    let me = Actor::user("ana");

    // Refusals name what is wrong.
    let err = s
        .create_user_token(
            &me,
            ana.id,
            &token_request(&[Permission::ManageUsers], None),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("manage_users"), "{err}");
    let err = s
        .create_user_token(&me, ana.id, &token_request(&[], None))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission"), "{err}");
    let err = s
        .create_user_token(
            &me,
            ana.id,
            &token_request(&[Permission::ReadDesk], Some(vec![TenantId(999)])),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, SocError::NotFound { .. }), "{err}");
    let mut expired = token_request(&[Permission::ReadDesk], None);
    expired.expires_at = Some(jiff::Timestamp::now() - Duration::from_secs(1));
    assert!(s.create_user_token(&me, ana.id, &expired).await.is_err());

    // A token narrowed to tenant B with read and comment only.
    let narrow = s
        .create_user_token(
            &me,
            ana.id,
            &token_request(&[Permission::ReadDesk, Permission::Comment], Some(vec![b])),
        )
        .await
        .unwrap();
    assert!(token::is_well_formed_user_secret(&narrow.secret));
    let p = access
        .authenticate_user_token(&format!("Bearer {}", narrow.secret))
        .await
        .unwrap();
    assert_eq!((p.role, p.user_id), (Role::Analyst, Some(ana.id)));
    assert!(p.scope.contains(b) && !p.scope.contains(a));
    assert!(p.may(Permission::ReadDesk) && p.may(Permission::Comment));
    // The role allows triage, the token does not.
    assert!(!p.may(Permission::TriageAlerts));
    assert_eq!(p.actor.0, format!("user:ana/token:{}", narrow.token.id));
    assert_eq!(p.user_token(), Some(narrow.token.id));

    // A broad token: every tenant of the user, read and triage.
    let broad = s
        .create_user_token(
            &me,
            ana.id,
            &token_request(&[Permission::ReadDesk, Permission::TriageAlerts], None),
        )
        .await
        .unwrap();
    let p = access.authenticate_user_token(&broad.secret).await.unwrap();
    assert!(p.scope.contains(a) && p.scope.contains(b));
    assert!(p.may(Permission::TriageAlerts));

    // Tenant B is taken from ana: the narrow token allows nothing any more, the broad one
    // sees A only, on the very next request.
    s.update_user(
        &Actor::operator(),
        &all,
        UserAuthority::All,
        ana.id,
        &UserPatch {
            tenants: Some(vec![a]),
            ..UserPatch::default()
        },
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        access
            .authenticate_user_token(&narrow.secret)
            .await
            .unwrap_err(),
        AuthError::Revoked
    );
    let p = access.authenticate_user_token(&broad.secret).await.unwrap();
    assert!(p.scope.contains(a) && !p.scope.contains(b));

    // A role without triage: the token loses it too.
    s.update_user(
        &Actor::operator(),
        &all,
        UserAuthority::All,
        ana.id,
        &UserPatch {
            role: Some(Role::TenantUser),
            ..UserPatch::default()
        },
    )
    .await
    .unwrap()
    .unwrap();
    let p = access.authenticate_user_token(&broad.secret).await.unwrap();
    assert_eq!(p.role, Role::TenantUser);
    assert!(p.may(Permission::ReadDesk) && !p.may(Permission::TriageAlerts));

    // Disabled: refused; enabled again: back.
    for (disabled, ok) in [(true, false), (false, true)] {
        s.update_user(
            &Actor::operator(),
            &all,
            UserAuthority::All,
            ana.id,
            &UserPatch {
                disabled: Some(disabled),
                ..UserPatch::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            access.authenticate_user_token(&broad.secret).await.is_ok(),
            ok
        );
    }

    // Only the owner revokes; a revoked token is refused; the list shows it revoked.
    let bob = user(&s, "bob", Role::Analyst, vec![a]).await;
    assert!(
        !s.revoke_user_token(&Actor::user("bob"), bob.id, broad.token.id)
            .await
            .unwrap()
    );
    assert!(
        s.revoke_user_token(&me, ana.id, broad.token.id)
            .await
            .unwrap()
    );
    assert_eq!(
        access
            .authenticate_user_token(&broad.secret)
            .await
            .unwrap_err(),
        AuthError::Revoked
    );
    let listed = s.list_user_tokens(ana.id).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(
        listed
            .iter()
            .find(|t| t.id == broad.token.id)
            .unwrap()
            .revoked
    );
    assert!(s.list_user_tokens(bob.id).await.unwrap().is_empty());
    // A tenant token secret is not a user token, and the reverse.
    assert_eq!(
        access
            .authenticate_user_token(&token::generate_secret())
            .await
            .unwrap_err(),
        AuthError::Malformed
    );
    assert_eq!(
        access
            .authenticate_user_token(&token::generate_user_secret())
            .await
            .unwrap_err(),
        AuthError::Unknown
    );

    let log = actions(&s).await;
    assert_eq!(log.iter().filter(|a| *a == "user_token.create").count(), 2);
    assert_eq!(log.iter().filter(|a| *a == "user_token.revoke").count(), 1);
}

/// A tenant admin's authority: only the tenant roles of its own tenant.
pub async fn user_authority(s: Store) {
    let (a, b) = two_tenants(&s).await;
    let scope_a = tenant_scope(&s, a).await;
    let boss = Actor::user("admin-a");
    let ta = UserAuthority::TenantRoles;
    let analyst = user(&s, "ana", Role::Analyst, vec![a]).await;
    let other = user(&s, "bea", Role::TenantUser, vec![b]).await;

    // Create: a tenant role in its tenant only.
    let carl = s
        .create_user_as(
            &boss,
            &scope_a,
            ta,
            &NewUser {
                username: "carl".into(),
                password: USER_PASSWORD.into(),
                role: Role::TenantUser,
                tenants: vec![a],
            },
        )
        .await
        .unwrap();
    for (role, tenant, needle) in [
        (Role::Analyst, a, "analyst"),
        (Role::PlatformAdmin, a, "platform_admin"),
        (Role::TenantUser, b, "tenant"),
    ] {
        let err = s
            .create_user_as(
                &boss,
                &scope_a,
                ta,
                &NewUser {
                    username: format!("x-{role}"),
                    password: USER_PASSWORD.into(),
                    role,
                    tenants: vec![tenant],
                },
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains(needle), "{role}: {err}");
    }

    // SOC staff working for the tenant and users of another tenant are not its to manage.
    let disable = UserPatch {
        disabled: Some(true),
        ..UserPatch::default()
    };
    for id in [analyst.id, other.id, vigie_access::UserId(9999)] {
        assert!(
            s.update_user(&boss, &scope_a, ta, id, &disable)
                .await
                .unwrap()
                .is_none()
        );
    }
    assert!(
        !s.get_user(&scope_a, analyst.id)
            .await
            .unwrap()
            .unwrap()
            .disabled
    );

    // Its own tenant's user: role switch among the tenant roles, not beyond, no move.
    let up = s
        .update_user(
            &boss,
            &scope_a,
            ta,
            carl.id,
            &UserPatch {
                role: Some(Role::TenantAdmin),
                ..UserPatch::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(up.role, Role::TenantAdmin);
    for patch in [
        UserPatch {
            role: Some(Role::SocLead),
            ..UserPatch::default()
        },
        UserPatch {
            tenants: Some(vec![b]),
            ..UserPatch::default()
        },
        UserPatch {
            password: Some("short".into()),
            ..UserPatch::default()
        },
    ] {
        let err = s
            .update_user(&boss, &scope_a, ta, carl.id, &patch)
            .await
            .unwrap_err();
        assert!(matches!(err, SocError::InvalidValue { .. }), "{err}");
    }

    // Password reset: the new one works, the old one not, open sessions end.
    s.create_session(
        &[7; 32],
        carl.id,
        "csrf",
        jiff::Timestamp::now() + Duration::from_secs(60),
    )
    .await
    .unwrap();
    s.update_user(
        &boss,
        &scope_a,
        ta,
        carl.id,
        &UserPatch {
            password: Some("another long password".into()),
            ..UserPatch::default()
        },
    )
    .await
    .unwrap()
    .unwrap();
    assert!(s.session(&[7; 32]).await.unwrap().unwrap().ended);
    assert!(
        s.verify_user_password("carl", "another long password")
            .await
            .unwrap()
    );
    assert!(!s.verify_user_password("carl", USER_PASSWORD).await.unwrap());

    // An empty change is refused, naming it.
    let err = s
        .update_user(&boss, &scope_a, ta, carl.id, &UserPatch::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("nothing to change"), "{err}");

    // Disable.
    let off = s
        .update_user(&boss, &scope_a, ta, carl.id, &disable)
        .await
        .unwrap()
        .unwrap();
    assert!(off.disabled);
    let log = actions(&s).await;
    for action in ["user.create", "user.update", "user.disable"] {
        assert!(log.iter().any(|a| a == action), "{action} not in {log:?}");
    }
}
