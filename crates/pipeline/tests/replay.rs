//! The pipeline on a real WAL and a real SQLite file: alerts appear, the offset is
//! committed after them, and replaying a batch (a crash between insert and commit) creates
//! no duplicate; repeated hits on one host fold into one alert whose count survives a
//! replay.

use std::path::Path;
use std::sync::Arc;
use vigie_soc::prelude::*;

use bytes::Bytes;
use jiff::Timestamp;
use serde_json::json;
use vigie_access::Access;
use vigie_detect::RuleSet;
use vigie_event::{Event, TenantSlug};
use vigie_log::{Log, LogReader, Wal, WalConfig};
use vigie_pipeline::{Pipeline, PipelineConfig};
use vigie_soc::{AlertFilter, Page, SqliteStore};

const RULE: &str = r#"
title: Net User Add
id: 11111111-2222-3333-4444-555555555555
logsource: {category: process_creation, product: windows}
detection:
    selection:
        CommandLine|contains|all: ['net', ' user ', '/add']
    condition: selection
level: medium
"#;

fn event(tenant: vigie_event::TenantId, host: &str, command: &str) -> Bytes {
    let fields = json!({"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational",
                        "Computer": host, "CommandLine": command});
    let serde_json::Value::Object(fields) = fields else {
        unreachable!()
    };
    Bytes::from(Event::new(tenant, Timestamp::now(), "test", fields).to_record())
}

async fn open(dir: &Path) -> (Arc<Wal>, Arc<SqliteStore>) {
    let log = Wal::open(WalConfig {
        dir: dir.join("wal"),
        consumers: vec!["detect".to_owned()],
        ..WalConfig::default()
    })
    .unwrap();
    let store = SqliteStore::open(&dir.join("state.sqlite")).await.unwrap();
    (Arc::new(log), Arc::new(store))
}

#[tokio::test]
async fn replay_after_uncommitted_step_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (rules, report) = RuleSet::from_yaml(RULE, Path::new("rule.yml"));
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    let rules = Arc::new(rules);
    let (log, store) = open(dir.path()).await;
    let tenant = store
        .create_tenant(&TenantSlug::new("region-f").unwrap(), "Region F")
        .await
        .unwrap();
    log.append(vec![
        event(tenant.id, "ws-1", "net user eve P@ss /add"),
        event(tenant.id, "ws-1", "net user"),
        event(tenant.id, "ws-2", "NET  USER bob x /ADD"),
    ])
    .await
    .unwrap();
    let access = Access::new(store.clone());
    let scope = access.operator_scope();
    let pipeline = Pipeline::new(
        detect_reader(&log).await,
        rules.clone(),
        store.clone(),
        scope.clone(),
        PipelineConfig::default(),
    );
    let outcome = pipeline.step().await.unwrap();
    assert_eq!((outcome.records, outcome.new_alerts), (3, 2));
    assert_eq!(outcome.committed, 3);
    assert_eq!(log.committed("detect"), Some(3));

    // Simulate a crash before the commit: roll the consumer back and run again.
    drop(pipeline);
    let log_dir = dir.path().join("wal");
    drop(log);
    let consumers = log_dir.join("consumers.json");
    std::fs::write(&consumers, r#"{"version":1,"consumers":{"detect":0}}"#).unwrap();
    let (log, store) = open(dir.path()).await;
    let pipeline = Pipeline::new(
        detect_reader(&log).await,
        rules,
        store.clone(),
        scope.clone(),
        PipelineConfig::default(),
    );
    assert_eq!(pipeline.position(), 0);
    let outcome = pipeline.step().await.unwrap();
    assert_eq!(
        (outcome.records, outcome.matches, outcome.new_alerts),
        (3, 2, 0)
    );
    let page = store
        .list_alerts(
            &scope,
            &AlertFilter::default(),
            &Page {
                limit: 100,
                cursor: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.alerts.len(), 2);
    assert_eq!(
        page.alerts[0].rule_id,
        "11111111-2222-3333-4444-555555555555"
    );
    // Nothing more to do.
    assert_eq!(pipeline.step().await.unwrap().records, 0);
}

#[tokio::test]
async fn hits_on_one_host_fold_into_one_alert_and_replay_keeps_the_count() {
    let dir = tempfile::tempdir().unwrap();
    let (rules, _) = RuleSet::from_yaml(RULE, Path::new("rule.yml"));
    let rules = Arc::new(rules);
    let (log, store) = open(dir.path()).await;
    let tenant = store
        .create_tenant(&TenantSlug::new("region-g").unwrap(), "Region G")
        .await
        .unwrap();
    let mut batch: Vec<Bytes> = (0..5)
        .map(|i| event(tenant.id, "WS-9", &format!("net user u{i} x /add")))
        .collect();
    batch.push(event(tenant.id, "ws-10", "net user z x /add"));
    log.append(batch).await.unwrap();
    let scope = Access::new(store.clone()).operator_scope();
    let pipeline = Pipeline::new(
        detect_reader(&log).await,
        rules.clone(),
        store.clone(),
        scope.clone(),
        PipelineConfig::default(),
    );
    let outcome = pipeline.step().await.unwrap();
    assert_eq!((outcome.matches, outcome.new_alerts), (6, 2));
    let counts = |page: vigie_soc::AlertPage| {
        let mut v: Vec<(String, i64)> = page
            .alerts
            .into_iter()
            .map(|a| (a.group_key.unwrap_or_default(), a.count))
            .collect();
        v.sort();
        v
    };
    let all = store
        .list_alerts(&scope, &AlertFilter::default(), &Page::first(100))
        .await
        .unwrap();
    let first = all.alerts.iter().find(|a| a.count == 5).unwrap();
    assert!(first.first_seen <= first.last_seen);
    assert_eq!(
        counts(all.clone()),
        vec![("host=ws-10".to_owned(), 1), ("host=ws-9".to_owned(), 5)]
    );

    // Replay the whole batch: nothing is counted twice.
    drop(pipeline);
    drop(log);
    std::fs::write(
        dir.path().join("wal").join("consumers.json"),
        r#"{"version":1,"consumers":{"detect":0}}"#,
    )
    .unwrap();
    let (log, store) = open(dir.path()).await;
    let pipeline = Pipeline::new(
        detect_reader(&log).await,
        rules,
        store.clone(),
        scope.clone(),
        PipelineConfig::default(),
    );
    assert_eq!(pipeline.step().await.unwrap().new_alerts, 0);
    let again = store
        .list_alerts(&scope, &AlertFilter::default(), &Page::first(100))
        .await
        .unwrap();
    assert_eq!(counts(again), counts(all));
}

#[tokio::test]
async fn a_busy_log_is_committed_by_interval_and_a_drained_one_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (rules, _) = RuleSet::from_yaml(RULE, Path::new("rule.yml"));
    let rules = Arc::new(rules);
    let (log, store) = open(dir.path()).await;
    let tenant = store
        .create_tenant(&TenantSlug::new("region-h").unwrap(), "Region H")
        .await
        .unwrap();
    let batch: Vec<Bytes> = (0..5)
        .map(|i| {
            event(
                tenant.id,
                &format!("ws-{i}"),
                &format!("net user u{i} x /add"),
            )
        })
        .collect();
    log.append(batch).await.unwrap();
    let scope = Access::new(store.clone()).operator_scope();
    let config = PipelineConfig {
        batch_size: 2,
        commit_interval: std::time::Duration::from_secs(3600),
        ..PipelineConfig::default()
    };
    let pipeline = Pipeline::new(
        detect_reader(&log).await,
        rules.clone(),
        store.clone(),
        scope.clone(),
        config.clone(),
    );
    // The first step commits (nothing committed yet), the second is within the interval
    // and a full batch: it reads on without committing.
    assert_eq!(pipeline.step().await.unwrap().committed, 2);
    let second = pipeline.step().await.unwrap();
    assert_eq!((second.records, second.committed), (2, 2));
    assert_eq!((pipeline.position(), log.committed("detect")), (4, Some(2)));

    // A crash now replays records 2 and 3: their alerts are not created twice.
    drop(pipeline);
    let replayed = Pipeline::new(
        detect_reader(&log).await,
        rules.clone(),
        store.clone(),
        scope.clone(),
        config.clone(),
    );
    assert_eq!(replayed.position(), 2);
    let again = replayed.step().await.unwrap();
    assert_eq!((again.records, again.new_alerts), (2, 0));
    // The last record is less than a batch: the log is drained and committed at once.
    let last = replayed.step().await.unwrap();
    assert_eq!((last.records, last.new_alerts, last.committed), (1, 1, 5));
    assert_eq!(log.committed("detect"), Some(5));
    let alerts = store
        .list_alerts(&scope, &AlertFilter::default(), &Page::first(100))
        .await
        .unwrap();
    assert_eq!(alerts.alerts.len(), 5);

    // With the interval passed, a full batch commits too; `flush` commits what is left.
    log.append(
        (0..4)
            .map(|i| event(tenant.id, "ws-9", &format!("u{i}")))
            .collect(),
    )
    .await
    .unwrap();
    let quick = Pipeline::new(
        detect_reader(&log).await,
        rules,
        store,
        scope,
        PipelineConfig {
            commit_interval: std::time::Duration::ZERO,
            ..config
        },
    );
    assert_eq!(quick.step().await.unwrap().committed, 7);
    assert_eq!(quick.step().await.unwrap().committed, 9);
    assert_eq!(quick.flush().await.unwrap(), 9);
}

/// The pipeline's reader of the embedded log.
async fn detect_reader(log: &Wal) -> Box<dyn LogReader> {
    Log::reader(log, "detect", 0).await.expect("reader")
}
