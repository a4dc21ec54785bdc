//! The pipeline on a real WAL and a real SQLite file: alerts appear, the offset is
//! committed after them, and replaying a batch (a crash between insert and commit) creates
//! no duplicate.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use jiff::Timestamp;
use serde_json::json;
use vigie_detect::RuleSet;
use vigie_event::{Event, TenantSlug};
use vigie_log::{Log, Wal, WalConfig};
use vigie_pipeline::{Pipeline, PipelineConfig};
use vigie_soc::access::Access;
use vigie_soc::{AlertFilter, Page, SqliteStore, StateStore};

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

fn event(tenant: vigie_event::TenantId, command: &str) -> Bytes {
    let fields = json!({"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "CommandLine": command});
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
        event(tenant.id, "net user eve P@ss /add"),
        event(tenant.id, "net user"),
        event(tenant.id, "NET  USER bob x /ADD"),
    ])
    .await
    .unwrap();
    let access = Access::new(store.clone());
    let scope = access.operator_scope();
    let pipeline = Pipeline::new(
        log.clone(),
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
        log.clone(),
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
