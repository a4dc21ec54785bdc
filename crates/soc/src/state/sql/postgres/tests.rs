//! The conformance suite and what only PostgreSQL has (row-level security below the SQL, the
//! application role's rights, migrations shared by several nodes, connection errors), on a
//! throwaway server (`scripts/pg-test-server`). A test that cannot get a server reports
//! itself skipped (`testsuite::pg::skip`), never passed.

use crate::prelude::*;
use std::sync::Arc;
use std::time::Duration;

use ed25519_dalek::SigningKey;
use sqlx::{AnyPool, Row};
use vigie_access::TenantScope;
use vigie_event::Severity;

use super::super::{CrossTenant, Reach};
use crate::desk::{Actor, NewIncident, NewSuppression};
use crate::state::{PostgresOptions, SqlStore};
use crate::testsuite::pg::{PgServer, skip};
use crate::testsuite::{self, Fixture, new_alert, slug};
use crate::{SocError, StateStore};
use vigie_access::Access;
use vigie_access::audit::Checkpoint;
use vigie_access::token::{TokenKind, TokenOwner};

/// The shared test server, or `None` after reporting `test` skipped.
fn server(test: &str) -> Option<Arc<PgServer>> {
    match PgServer::shared() {
        Ok(server) => Some(server),
        Err(reason) => {
            skip(test, &reason);
            None
        }
    }
}

#[tokio::test]
async fn conformance() {
    let Some(server) = server(concat!(module_path!(), "::conformance")) else {
        return;
    };
    testsuite::run_all(|| {
        let server = server.clone();
        async move { Arc::new(server.store().await) as Fixture }
    })
    .await;
}

/// Every table that holds a tenant's rows (directly or through its alert or incident).
const TENANT_TABLES: &[&str] = &[
    "tenants",
    "tokens",
    "alerts",
    "alert_members",
    "suppressions",
    "rule_stats",
    "incidents",
    "observables",
    "tasks",
    "comments",
    "timeline",
    "sla_contracts",
    "sla_breaches",
    "audit_log",
    "nis2_profiles",
    "nis2_cases",
    "nis2_submissions",
    "rule_status",
];

async fn count(pool: &AnyPool, table: &str) -> i64 {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS n FROM {table}"
    )))
    .fetch_one(pool)
    .await
    .and_then(|row| row.try_get("n"))
    .unwrap_or_else(|e| panic!("counting {table}: {e}"))
}

/// A store with two tenants' rows in every tenant table.
async fn populated(store: &Arc<SqlStore>) -> (vigie_event::TenantId, vigie_event::TenantId) {
    let s: Arc<dyn StateStore> = store.clone();
    let all = Access::new(s.clone()).operator_scope();
    let op = Actor::operator();
    let mut ids = Vec::new();
    for (n, name) in [(0u128, "rls-a"), (10, "rls-b")] {
        let tenant = s.create_tenant(&slug(name), name).await.unwrap().id;
        s.create_token(TokenOwner::Tenant(tenant), TokenKind::Read, "r")
            .await
            .unwrap();
        // Event ids are unique across tenants (an alert's id derives from rule and event).
        let alerts: Vec<_> = [("r1", Severity::High), ("r2", Severity::Low)]
            .into_iter()
            .zip(1..)
            .map(|((rule, severity), k)| crate::NewAlert {
                event: serde_json::json!({"source.ip": "10.0.0.1"}),
                ..new_alert(tenant, rule, severity, n + k)
            })
            .collect();
        s.insert_alerts(&alerts).await.unwrap();
        s.alert_action(
            &op,
            &all,
            &alerts[1].id(),
            &crate::desk::AlertAction::Acknowledge,
        )
        .await
        .unwrap();
        let incident = s
            .create_incident(
                &op,
                &all,
                &NewIncident {
                    tenant,
                    title: "t".into(),
                    severity: None,
                    rsit_class: None,
                    rsit_type: None,
                    tlp: None,
                    alerts: vec![alerts[0].id()],
                },
            )
            .await
            .unwrap();
        s.add_task(&op, &all, incident.id, "task").await.unwrap();
        s.add_comment(
            &op,
            &all,
            crate::testsuite::staff(),
            incident.id,
            &crate::testsuite::note("comment"),
        )
        .await
        .unwrap();
        s.add_suppression(
            &op,
            &all,
            &NewSuppression {
                tenant,
                rule_id: "r9".into(),
                group_key: None,
                reason: "x".into(),
                expires_at: jiff::Timestamp::now() + Duration::from_secs(60),
            },
        )
        .await
        .unwrap();
        s.set_sla_contract(
            &op,
            &all,
            tenant,
            &crate::sla::SlaContract {
                calendar: crate::sla::Calendar::TwentyFourSeven,
                targets: [(
                    Severity::High,
                    crate::sla::Target {
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
        s.nis2_set_profile(
            &all,
            tenant,
            &vigie_nis2::model::EntityProfile {
                legal_name: name.into(),
                ..Default::default()
            },
            "operator",
        )
        .await
        .unwrap();
        s.nis2_set_awareness(&all, incident.id, now(), "seen", "operator")
            .await
            .unwrap();
        s.nis2_approve(
            &all,
            incident.id,
            &crate::nis2::NewApproval {
                stage: vigie_nis2::model::Stage::EarlyWarning,
                language: vigie_nis2::model::Lang::Nl,
                tlp: vigie_nis2::model::Tlp::Amber,
            },
            "operator",
        )
        .await
        .unwrap();
        s.nis2_submit(
            &all,
            incident.id,
            &crate::nis2::NewSubmission {
                stages: vec![vigie_nis2::model::Stage::EarlyWarning],
                submitted_at: now(),
                channel: "email".into(),
                reference: None,
                language: vigie_nis2::model::Lang::Nl,
                tlp: vigie_nis2::model::Tlp::Amber,
                lateness_reason: None,
            },
            "operator",
        )
        .await
        .unwrap();
        ids.push(tenant);
    }
    // Breaches of both incidents; one filter row per tenant.
    s.record_sla_breaches(jiff::Timestamp::now() + Duration::from_secs(3600))
        .await
        .unwrap();
    s.replace_rule_status(&[
        crate::RuleStatus {
            path: "filters/rls-a/f.yml".into(),
            audience: crate::RuleAudience::Tenant(ids[0]),
            rule_id: None,
            title: None,
            severity: None,
            loaded: true,
            reason: None,
        },
        crate::RuleStatus {
            path: "filters/rls-b/f.yml".into(),
            audience: crate::RuleAudience::Tenant(ids[1]),
            rule_id: None,
            title: None,
            severity: None,
            loaded: true,
            reason: None,
        },
    ])
    .await
    .unwrap();
    (ids[0], ids[1])
}

fn now() -> jiff::Timestamp {
    jiff::Timestamp::from_microsecond(jiff::Timestamp::now().as_microsecond()).unwrap()
}

/// Row-level security: the application role, outside a transaction that names its reach,
/// sees no row of any tenant table and can write none; within a tenant's reach it sees and
/// writes that tenant's rows only. The superuser (migrations) sees them all, so the rows are
/// there. Every tenant table has FORCE ROW LEVEL SECURITY; the application role owns none
/// and bypasses nothing; it cannot change or delete audit entries.
#[tokio::test]
async fn a_query_without_tenant_context_returns_no_rows() {
    let Some(server) = server(concat!(
        module_path!(),
        "::a_query_without_tenant_context_returns_no_rows"
    )) else {
        return;
    };
    let (admin_url, app_url) = server.database().await;
    let store = Arc::new(
        SqlStore::connect(&PostgresOptions {
            url: app_url.clone(),
            migrate_url: Some(admin_url.clone()),
            max_connections: 2,
        })
        .await
        .unwrap(),
    );
    let (a, b) = populated(&store).await;
    let admin = AnyPool::connect(&admin_url).await.unwrap();
    let app = AnyPool::connect(&app_url).await.unwrap();

    for table in TENANT_TABLES {
        assert!(count(&admin, table).await >= 2, "{table}: no rows to hide");
        assert_eq!(
            count(&app, table).await,
            0,
            "{table}: rows seen without context"
        );
        let forced: i64 = sqlx::query(
            "SELECT CASE WHEN c.relrowsecurity AND c.relforcerowsecurity THEN 1 ELSE 0 END AS f
             FROM pg_class c WHERE c.relname = $1 AND c.relnamespace = to_regnamespace(current_schema())",
        )
        .bind(*table)
        .fetch_one(&app)
        .await
        .and_then(|row| row.try_get("f"))
        .unwrap();
        assert_eq!(
            forced, 1,
            "{table}: row-level security not enabled and forced"
        );
    }
    let role: i64 = sqlx::query(
        "SELECT CASE WHEN r.rolsuper OR r.rolbypassrls OR EXISTS (
                    SELECT 1 FROM pg_tables t WHERE t.tableowner = current_user) THEN 1 ELSE 0 END
                AS privileged
         FROM pg_roles r WHERE r.rolname = current_user",
    )
    .fetch_one(&app)
    .await
    .and_then(|row| row.try_get("privileged"))
    .unwrap();
    assert_eq!(
        role, 0,
        "the application role bypasses row-level security or owns a table"
    );

    // Writes without context: nothing to update or delete, no row may be added.
    let updated = sqlx::query("UPDATE alerts SET status = 'new'")
        .execute(&app)
        .await
        .unwrap();
    assert_eq!(updated.rows_affected(), 0);
    let deleted = sqlx::query("DELETE FROM comments")
        .execute(&app)
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected(), 0);
    let err = sqlx::query("INSERT INTO tenants (slug, name, created_at) VALUES ('x', 'x', 0)")
        .execute(&app)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");

    // Within tenant A's reach: A's rows only; B's can be neither read nor written.
    let mut tx = app.begin().await.unwrap();
    sqlx::query("SELECT set_config('vigie.tenants', $1, true)")
        .bind(a.0.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let tenants: Vec<i64> = sqlx::query("SELECT DISTINCT tenant_id FROM alerts")
        .fetch_all(&mut *tx)
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get("tenant_id").unwrap())
        .collect();
    assert_eq!(tenants, vec![a.0]);
    let comments: i64 = sqlx::query("SELECT COUNT(*) AS n FROM comments")
        .fetch_one(&mut *tx)
        .await
        .and_then(|row| row.try_get("n"))
        .unwrap();
    assert_eq!(comments, 1);
    let moved = sqlx::query("UPDATE incidents SET title = 'mine' WHERE tenant_id = $1")
        .bind(b.0)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(moved.rows_affected(), 0);
    let err = sqlx::query(
        "INSERT INTO suppressions (tenant_id, rule_id, reason, created_by, created_at, expires_at)
         VALUES ($1, 'r', 'x', 'x', 0, 1)",
    )
    .bind(b.0)
    .execute(&mut *tx)
    .await
    .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    drop(tx);

    // The audit log is append-only for the application role, whatever its reach.
    let mut tx = app.begin().await.unwrap();
    sqlx::query("SELECT set_config('vigie.all', '1', true)")
        .execute(&mut *tx)
        .await
        .unwrap();
    let err = sqlx::query("UPDATE audit_log SET actor = 'someone else'")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
    drop(tx);
    let err = sqlx::query("DELETE FROM audit_log")
        .execute(&app)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
    app.close().await;
    admin.close().await;
}

/// The tenants of every incident a transaction of `reach` sees, by a query without a scope.
async fn unscoped(store: &SqlStore, reach: Reach<'_>) -> Vec<i64> {
    let mut tx = store.read(reach, "test").await.unwrap();
    let tenants = sqlx::query("SELECT tenant_id FROM incidents ORDER BY tenant_id")
        .fetch_all(&mut *tx)
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get("tenant_id").unwrap())
        .collect();
    tx.commit("test").await.unwrap();
    tenants
}

/// The store sets the reach from the `TenantScope` inside each of its transactions: a
/// statement that forgot the scope in its SQL still sees only the scope's rows.
#[tokio::test]
async fn a_tenant_scope_holds_below_the_sql() {
    let Some(server) = server(concat!(
        module_path!(),
        "::a_tenant_scope_holds_below_the_sql"
    )) else {
        return;
    };
    let store = Arc::new(server.store().await);
    let (a, b) = populated(&store).await;
    let all = Access::new(store.clone() as Arc<dyn StateStore>).operator_scope();
    let scope_a: TenantScope = all.narrow(a).unwrap();
    assert_eq!(unscoped(&store, Reach::Scope(&scope_a)).await, vec![a.0]);
    assert_eq!(unscoped(&store, Reach::Scope(&all)).await, vec![a.0, b.0]);
    assert_eq!(
        unscoped(&store, Reach::Across(CrossTenant::Pipeline)).await,
        vec![a.0, b.0]
    );
    // The settings end with the transaction: the same pooled connections see nothing after.
    for _ in 0..4 {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM incidents")
            .fetch_one(&store.pool)
            .await
            .and_then(|row| row.try_get("n"))
            .unwrap();
        assert_eq!(n, 0);
    }
}

/// `vigie audit verify` on PostgreSQL: the chain of a used store verifies with a signed
/// checkpoint, and an entry changed behind the store's back (by the schema owner) is found.
#[tokio::test]
async fn audit_verify_passes_and_finds_an_edit() {
    let Some(server) = server(concat!(
        module_path!(),
        "::audit_verify_passes_and_finds_an_edit"
    )) else {
        return;
    };
    let (admin_url, app_url) = server.database().await;
    let store = Arc::new(
        SqlStore::connect(&PostgresOptions {
            url: app_url,
            migrate_url: Some(admin_url.clone()),
            max_connections: 2,
        })
        .await
        .unwrap(),
    );
    populated(&store).await;
    let key = SigningKey::from_bytes(&[3; 32]);
    let (seq, hash) = store.audit_head().await.unwrap();
    assert!(seq > 10);
    let checkpoints = vec![Checkpoint::sign(&key, seq, &hash)];
    let window = Duration::from_secs(3600);
    let report = store
        .verify_audit(
            Some((Some(&checkpoints), &key.verifying_key())),
            window,
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    assert!(report.ok(), "{:?}", report.findings);
    assert_eq!(report.entries, seq as u64);
    let admin = AnyPool::connect(&admin_url).await.unwrap();
    sqlx::query("UPDATE audit_log SET payload = '{\"forged\":1}' WHERE seq = 3")
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let report = store
        .verify_audit(
            Some((Some(&checkpoints), &key.verifying_key())),
            window,
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    assert!(report.findings.iter().any(|f| f.seq == 3), "{report:?}");
}

/// Several nodes connect to one database: the migrations run once; a database migrated by a
/// newer vigie is refused; the application role may connect without a separate owner.
#[tokio::test]
async fn migrations_run_once_and_a_newer_schema_is_refused() {
    let Some(server) = server(concat!(
        module_path!(),
        "::migrations_run_once_and_a_newer_schema_is_refused"
    )) else {
        return;
    };
    let (admin_url, app_url) = server.database().await;
    let options = PostgresOptions {
        url: app_url,
        migrate_url: Some(admin_url.clone()),
        max_connections: 2,
    };
    let nodes = futures_join(
        SqlStore::connect(&options),
        SqlStore::connect(&options),
        SqlStore::connect(&options),
    )
    .await;
    let known = super::MIGRATIONS.last().unwrap().version;
    let at = options.url.find('@').unwrap();
    let password = &options.url[options.url[..at].rfind(':').unwrap() + 1..at];
    for node in &nodes {
        let node = node.as_ref().unwrap();
        assert_eq!(node.schema_version().await.unwrap(), known);
        assert!(!format!("{node:?}").contains(password), "{node:?}");
    }
    let admin = AnyPool::connect(&admin_url).await.unwrap();
    assert_eq!(count(&admin, "schema_version").await, known);
    sqlx::query("INSERT INTO schema_version (version, name, applied_at) VALUES (99, 'future', 0)")
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    match SqlStore::connect(&options).await {
        Err(SocError::SchemaTooNew {
            found: 99,
            known: k,
        }) if k == known => {}
        other => panic!("{other:?}"),
    }
    // One role for both (it then owns the schema; the policies still apply to it, forced).
    let (owner_url, _) = server.database().await;
    let store = SqlStore::connect(&PostgresOptions::new(owner_url))
        .await
        .unwrap();
    assert_eq!(store.schema_version().await.unwrap(), known);
}

async fn futures_join<F: std::future::Future>(a: F, b: F, c: F) -> Vec<F::Output> {
    let (a, b, c) = tokio::join!(a, b, c);
    vec![a, b, c]
}

/// Connection errors name the engine and `host:port/database`, never the password; the
/// options' Debug hides it too.
#[tokio::test]
async fn connection_errors_name_the_server_not_the_password() {
    let password = "hunter2-not-to-be-shown";
    // A port nothing listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let options = PostgresOptions::new(format!(
        "postgres://vigie:{password}@127.0.0.1:{port}/state"
    ));
    assert!(!format!("{options:?}").contains(password));
    let err = SqlStore::connect(&options).await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("PostgreSQL"), "{shown}");
    assert!(
        shown.contains(&format!("127.0.0.1:{port}/state")),
        "{shown}"
    );
    assert!(!shown.contains(password), "{shown}");

    let Some(server) = server(concat!(
        module_path!(),
        "::connection_errors_name_the_server_not_the_password"
    )) else {
        return;
    };
    // The right server, a wrong password.
    let url = server.app_url();
    let at = url.find('@').unwrap();
    let colon = url[..at].rfind(':').unwrap();
    let wrong = format!("{}:{password}{}", &url[..colon], &url[at..]);
    let err = SqlStore::connect(&PostgresOptions::new(wrong))
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(
        shown.contains("PostgreSQL") && shown.contains("127.0.0.1:"),
        "{shown}"
    );
    assert!(!shown.contains(password), "{shown}");
}
