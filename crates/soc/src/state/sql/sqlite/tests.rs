//! What only the SQLite engine keeps: its files (no token secret in them, reopening, pragmas,
//! WAL), its migrations on an existing file, and writers of one process queueing on the file
//! lock. The behaviour every engine shares is the conformance suite (`crate::testsuite`).

use crate::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use vigie_access::Grant;

use std::path::Path;

use sqlx::Row;
use vigie_access::TenantScope;
use vigie_event::{Severity, TenantId, TenantSlug};

use super::MIGRATIONS;
use crate::SocError;
use crate::alert::AlertFilter;
use crate::state::SqliteStore;
use crate::testsuite::{self, Store};
use vigie_access::testing::scope as test_scope;
use vigie_access::token::hash_secret;

async fn open_in(dir: &Path) -> SqliteStore {
    SqliteStore::open(&dir.join("state.db")).await.unwrap()
}

#[tokio::test]
async fn conformance() {
    let dirs = Arc::new(Mutex::new(Vec::new()));
    testsuite::run_all(|| {
        let dirs = dirs.clone();
        async move {
            let dir = tempfile::tempdir().unwrap();
            let store = open_in(dir.path()).await;
            dirs.lock().unwrap().push(dir);
            Arc::new(store) as testsuite::Fixture
        }
    })
    .await;
}

/// Every byte the database keeps on disk (main file, WAL, shared memory).
fn disk_bytes(dir: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    bytes
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn token_secrets_are_not_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(open_in(dir.path()).await);
    let secrets = testsuite::tokens(store.clone()).await;
    // Before and after the WAL is checkpointed into the main file.
    for closed in [false, true] {
        if closed {
            store.close().await;
        }
        let bytes = disk_bytes(dir.path());
        for secret in &secrets {
            assert!(!contains(&bytes, secret.as_bytes()), "secret on disk");
            let random_part = &secret[vigie_access::token::SECRET_PREFIX.len()..];
            assert!(!contains(&bytes, random_part.as_bytes()), "secret on disk");
            let raw = hex::decode(random_part).unwrap();
            assert!(!contains(&bytes, &raw), "secret bytes on disk");
            // Sanity: we are reading the right files, the hash is there.
            assert!(contains(&bytes, &hash_secret(secret)), "hash not found");
        }
    }
}

#[tokio::test]
async fn reopen_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_in(dir.path()).await;
    let marker = testsuite::persistence_write(Arc::new(store.clone())).await;
    assert_eq!(
        store.schema_version().await.unwrap(),
        MIGRATIONS.last().map_or(0, |m| m.version)
    );
    store.close().await;
    drop(store);
    let reopened = open_in(dir.path()).await;
    assert_eq!(
        reopened.schema_version().await.unwrap(),
        MIGRATIONS.last().map_or(0, |m| m.version)
    );
    let applied: i64 = sqlx::query("SELECT COUNT(*) FROM schema_version")
        .fetch_one(&reopened.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(applied, MIGRATIONS.len() as i64, "a migration ran twice");
    testsuite::persistence_check(Arc::new(reopened), &marker).await;
}

#[tokio::test]
async fn pragmas_are_set() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_in(dir.path()).await;
    let mode: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(&store.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(mode.to_lowercase(), "wal");
    let fk: i64 = sqlx::query("PRAGMA foreign_keys")
        .fetch_one(&store.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(fk, 1);
}

#[tokio::test]
async fn refuses_a_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_in(dir.path()).await;
    sqlx::query("INSERT INTO schema_version (version, name, applied_at) VALUES (99, 'future', 0)")
        .execute(&store.pool)
        .await
        .unwrap();
    store.close().await;
    match SqliteStore::open(&dir.path().join("state.db")).await {
        Err(SocError::SchemaTooNew { found: 99, known })
            if Some(known) == MIGRATIONS.last().map(|m| m.version) => {}
        other => panic!("{other:?}"),
    }
}

/// The `Any` driver opens SQLite from a URL: a data directory with spaces, `%`, `?` or `#`
/// in its name must still open the very file named, and reopen it.
#[tokio::test]
async fn a_path_with_url_characters_opens_that_file() {
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("data dir%20?x=1#frag");
    std::fs::create_dir(&odd).unwrap();
    let path = odd.join("state file.db");
    let store = SqliteStore::open(&path).await.unwrap();
    store
        .create_tenant(&TenantSlug::new("odd").unwrap(), "Odd")
        .await
        .unwrap();
    store.close().await;
    assert!(path.is_file(), "not created where named");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    let reopened = SqliteStore::open(&path).await.unwrap();
    let all = vigie_access::Access::new(Arc::new(reopened.clone())).operator_scope();
    assert_eq!(reopened.list_tenants(&all).await.unwrap().len(), 1);
}

#[tokio::test]
async fn open_error_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing-dir").join("state.db");
    let err = SqliteStore::open(&path).await.unwrap_err();
    assert!(err.to_string().contains("missing-dir"), "{err}");
}

#[tokio::test]
async fn concurrent_writers_queue() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(open_in(dir.path()).await);
    let tenant = store
        .create_tenant(&TenantSlug::new("busy").unwrap(), "Busy")
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for w in 0..8u128 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for n in 0..10u128 {
                let alert = testsuite::new_alert(tenant.id, "r", Severity::Low, w * 100 + n);
                store.insert_alerts(&[alert]).await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let all = vigie_access::Access::new(store.clone()).operator_scope();
    assert_eq!(store.count_alerts(&all).await.unwrap(), 80);
}

/// One generated world: how many tenants, and per alert (tenant index, severity, rule).
fn world() -> impl Strategy<Value = (usize, Vec<(usize, usize, u8)>, u32, u8)> {
    (1usize..5).prop_flat_map(|tenants| {
        (
            Just(tenants),
            proptest::collection::vec((0..tenants, 0usize..5, 0u8..3), 0..40),
            1u32..7,
            any::<u8>(),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Whatever the data, a scope sees exactly the alerts of its tenants: single-tenant
    /// scopes, multi-tenant scopes, the platform, and `filter.tenant` narrowing.
    #[test]
    fn scope_isolation((tenants, alerts, limit, mask) in world()) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let dir = tempfile::tempdir().unwrap();
            let store: Store = Arc::new(open_in(dir.path()).await);
            let mut ids = Vec::new();
            for t in 0..tenants {
                let slug = TenantSlug::new(format!("t{t}")).unwrap();
                ids.push(store.create_tenant(&slug, "T").await.unwrap().id);
            }
            let mut owner = BTreeMap::new();
            let mut batch = Vec::new();
            for (n, (t, sev, rule)) in alerts.iter().enumerate() {
                let alert = testsuite::new_alert(
                    ids[*t],
                    &format!("rule-{rule}"),
                    Severity::ALL[*sev],
                    n as u128,
                );
                owner.insert(alert.id(), ids[*t]);
                batch.push(alert);
            }
            // Two batches, so created_at differs between some alerts.
            let (first, second) = batch.split_at(batch.len() / 2);
            store.insert_alerts(first).await.unwrap();
            store.insert_alerts(second).await.unwrap();

            let expect = |set: &BTreeSet<TenantId>| -> BTreeSet<String> {
                owner.iter().filter(|(_, t)| set.contains(t)).map(|(id, _)| id.clone()).collect()
            };
            let seen = |scope: TenantScope, filter: AlertFilter| {
                let store = store.clone();
                async move {
                    let listed = testsuite::all_alerts(&store, &scope, &filter, limit).await;
                    for alert in &listed {
                        assert!(scope.contains(alert.tenant), "alert outside the scope");
                    }
                    let set: BTreeSet<String> = listed.iter().map(|a| a.id.clone()).collect();
                    assert_eq!(set.len(), listed.len(), "an alert listed twice");
                    set
                }
            };

            let platform = test_scope(Grant::Platform).unwrap();
            let everyone: BTreeSet<TenantId> = ids.iter().copied().collect();
            assert_eq!(seen(platform.clone(), AlertFilter::default()).await, expect(&everyone));

            let subset: BTreeSet<TenantId> = ids
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, id)| *id)
                .collect();
            let multi = test_scope(Grant::Tenants(subset.clone()));
            if let Some(multi) = &multi {
                assert_eq!(seen(multi.clone(), AlertFilter::default()).await, expect(&subset));
                assert_eq!(store.count_alerts(multi).await.unwrap(), expect(&subset).len() as u64);
                assert_eq!(store.list_tenants(multi).await.unwrap().len(), subset.len());
            }
            for id in &ids {
                let one = BTreeSet::from([*id]);
                let scope = platform.narrow(*id).unwrap();
                assert_eq!(seen(scope.clone(), AlertFilter::default()).await, expect(&one));
                assert_eq!(store.count_alerts(&scope).await.unwrap(), expect(&one).len() as u64);
                let narrowed = AlertFilter { tenant: Some(*id), ..AlertFilter::default() };
                assert_eq!(seen(platform.clone(), narrowed.clone()).await, expect(&one));
                if let Some(multi) = &multi {
                    let want = if subset.contains(id) { expect(&one) } else { BTreeSet::new() };
                    assert_eq!(seen(multi.clone(), narrowed).await, want);
                }
            }
        });
    }
}

/// A database of schema version 7 (before comments had a visibility) keeps what its client
/// wrote shared and makes what the SOC wrote internal when opened by this version.
#[tokio::test]
async fn comments_written_before_visibility_stay_shared_for_clients_only() {
    use crate::IncidentStore;
    use crate::desk::Visibility;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        sqlx::raw_sql(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
             applied_at INTEGER NOT NULL)",
        )
        .execute(&pool)
        .await
        .unwrap();
        for m in MIGRATIONS.iter().filter(|m| m.version <= 7) {
            sqlx::raw_sql(sqlx::AssertSqlSafe(m.sql))
                .execute(&pool)
                .await
                .unwrap();
            sqlx::query("INSERT INTO schema_version VALUES ($1, $2, 0)")
                .bind(m.version)
                .bind(m.name)
                .execute(&pool)
                .await
                .unwrap();
        }
        sqlx::raw_sql(
            "INSERT INTO tenants (id, slug, name, created_at) VALUES (1, 'cpas-a', 'A', 0);
             INSERT INTO users (id, username, password_hash, role, created_at) VALUES
               (1, 'ana', 'x', 'analyst', 0), (2, 'claire', 'x', 'tenant_user', 0),
               (3, 'tom', 'x', 'tenant_admin', 0);
             INSERT INTO tokens (id, tenant_id, kind, label, secret_hash, created_at) VALUES
               (1, 1, 'admin', 'client', randomblob(32), 0),
               (2, NULL, 'admin', 'soc', randomblob(32), 0);
             INSERT INTO incidents (id, tenant_id, title, status, severity, tlp, created_at,
               updated_at) VALUES (1, 1, 'Phishing', 'new', 3, 'TLP:AMBER', 0, 0);
             INSERT INTO comments (incident_id, author, body, created_at) VALUES
               (1, 'user:ana', 'soc note', 1), (1, 'user:claire', 'client user', 2),
               (1, 'user:tom/token:4', 'client admin token', 3), (1, 'token:1', 'tenant token', 4),
               (1, 'token:2', 'platform token', 5), (1, 'operator', 'operator', 6),
               (1, 'user:claire2', 'look-alike name', 7);",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    }
    let store = SqliteStore::open(&path).await.unwrap();
    let detail = store
        .incident_detail(
            &test_scope(Grant::Platform).unwrap(),
            testsuite::staff(),
            crate::IncidentId(1),
            jiff::Timestamp::now(),
        )
        .await
        .unwrap()
        .unwrap();
    let seen: Vec<(&str, Visibility)> = detail
        .comments
        .iter()
        .map(|c| (c.body.as_str(), c.visibility))
        .collect();
    assert_eq!(
        seen,
        [
            ("soc note", Visibility::Internal),
            ("client user", Visibility::Shared),
            ("client admin token", Visibility::Shared),
            ("tenant token", Visibility::Shared),
            ("platform token", Visibility::Internal),
            ("operator", Visibility::Internal),
            ("look-alike name", Visibility::Internal),
        ]
    );
}
