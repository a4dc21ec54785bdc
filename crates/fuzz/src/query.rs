//! The hunting query language: parser, reference semantics, pipe stages and the embedded
//! store's planner.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::OnceLock;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use vigie_access::{Grant, TenantScope};
use vigie_event::{Event, EventId, TenantId};
use vigie_store::model::{ScanBatch, ScanProgress, ScanStream};
use vigie_store::query::{self, FieldAliases, HuntOptions, HuntResult, Stage};
use vigie_store::testsuite;
use vigie_store::{
    Dropped, EmbeddedConfig, EmbeddedStore, EventStore, LoggedEvent, Order, RetentionPolicy,
    ScanRequest, StoreError, StoredEvent, TenantUsage, WriteReport,
};

/// Events with values of every JSON kind, numbers written as text (including `NaN` and
/// `inf`, which parse as floats), nested objects and lists, Windows and ECS names, a word
/// too long to be indexed; two tenants, one second apart.
fn events() -> Vec<Event> {
    let rows = [
        json!({"EventID": 4688, "NewProcessName": "C:\\Windows\\System32\\cmd.exe",
            "CommandLine": "cmd.exe /c whoami", "Hostname": "WS1", "SourceAddress": "10.1.2.3",
            "port": 443, "score": "12"}),
        json!({"EventID": 1, "Image": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
            "CommandLine": "powershell -enc SQBFAFgA", "Hostname": "WS2",
            "SourceAddress": "192.168.2.5", "port": "8080", "score": "NaN"}),
        json!({"EventID": "1", "Image": "C:\\Tools\\mimikatz.exe",
            "CommandLine": "mimikatz sekurlsa::logonpasswords", "Hostname": "ws1",
            "score": 7.5}),
        json!({"event": {"code": "4688"}, "process": {"executable": "C:\\Windows\\System32\\cmd.exe",
            "command_line": "cmd /c net user"}, "host": {"name": "WS3"}, "score": "inf"}),
        json!({"event.code": "4624", "process.executable": "C:\\Windows\\explorer.exe",
            "host.name": "WS3", "source.ip": "fe80::1", "score": -3}),
        json!({"EventID": 5156, "DestAddress": "168.63.129.16", "DestPort": "80",
            "Message": "The Windows Filtering Platform has permitted a connection.",
            "Hostname": "WS1", "tags": ["beat", "Windows", 5], "score": "1e400"}),
        json!({"EventID": 5156, "DestAddress": "10.9.9.9", "DestPort": 3389,
            "Message": "Permitted", "Hostname": "WS2", "ratio": 0.5, "enabled": true,
            "score": 18_446_744_073_709_551_615u64}),
        json!({"Message": "Ünïcode Straße ÉTÉ", "Hostname": "ws4", "n": null,
            "score": "-0", "deep": {"a": {"b": [1, {"c": "x y"}]}}}),
        json!({"message": "Accepted password for root from 203.0.113.7 port 22 ssh2",
            "user": {"name": "root"}, "source": {"ip": "203.0.113.7"}, "score": "nan"}),
        json!({"EventID": 4624, "TargetUserName": "admin", "IpAddress": "::ffff:10.0.0.1",
            "LogonType": "3", "score": ""}),
        // A word of 256 bytes or more, which the embedded store does not index.
        json!({"Payload": "qufb".repeat(80), "Hostname": "ws5", "score": 1}),
    ];
    let start = Timestamp::from_second(1_764_064_800).expect("a valid time");
    rows.into_iter()
        .enumerate()
        .map(|(i, row)| {
            let Value::Object(fields) = row else {
                unreachable!("every row is an object")
            };
            let tenant = TenantId(1 + (i as i64 % 2));
            let mut event = Event::new(tenant, start, "fuzz", fields)
                .with_timestamp(Some(start + SignedDuration::from_secs(i as i64)));
            event.id = EventId(i as u128 + 1);
            event
        })
        .collect()
}

/// The reference store: every event checked with `StoredEvent::selected_by` (the meaning
/// every backend must return exactly), newest first as the embedded store orders them.
struct MemoryStore {
    events: Vec<StoredEvent>,
}

#[async_trait::async_trait]
impl EventStore for MemoryStore {
    async fn write(&self, _: Vec<LoggedEvent>) -> Result<WriteReport, StoreError> {
        Ok(WriteReport::default())
    }

    fn scan(&self, scope: &TenantScope, request: ScanRequest) -> ScanStream {
        let mut selected: Vec<StoredEvent> = self
            .events
            .iter()
            .filter(|e| scope.contains(e.tenant) && e.selected_by(&request))
            .cloned()
            .collect();
        if request.order == Order::NewestFirst {
            selected.sort_by(|a, b| b.time.cmp(&a.time).then(b.event.id.cmp(&a.event.id)));
        }
        if let Some(limit) = request.limit {
            selected.truncate(limit);
        }
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        // The channel has room for this one batch.
        let _ = tx.try_send(Ok(ScanBatch {
            events: selected,
            progress: ScanProgress::default(),
        }));
        rx
    }

    async fn usage(&self, _: &TenantScope) -> Result<Vec<TenantUsage>, StoreError> {
        Ok(Vec::new())
    }

    async fn enforce_retention(
        &self,
        _: &RetentionPolicy,
        _: Timestamp,
    ) -> Result<Vec<Dropped>, StoreError> {
        Ok(Vec::new())
    }
}

/// The embedded store holding the same events, in a directory of this process (removed
/// with the directories of earlier runs that no longer exist), and a runtime to drive it.
struct Stores {
    runtime: tokio::runtime::Runtime,
    memory: MemoryStore,
    embedded: EmbeddedStore,
    scope: TenantScope,
}

fn stores() -> &'static Stores {
    static STORES: OnceLock<Stores> = OnceLock::new();
    STORES.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let dir = store_dir();
        let events = events();
        let embedded = EmbeddedStore::open(EmbeddedConfig {
            dir,
            writer_memory_bytes: 15 << 20,
            ..EmbeddedConfig::default()
        })
        .expect("open the embedded store");
        runtime
            .block_on(embedded.write(testsuite::logged(&events, 0)))
            .expect("write the reference events");
        Stores {
            runtime,
            memory: MemoryStore {
                events: events.into_iter().map(StoredEvent::new).collect(),
            },
            embedded,
            scope: testsuite::scope(Grant::Platform),
        }
    })
}

/// `vigie-fuzz-store-<pid>` under the temporary directory; those of processes that are
/// gone are removed first (a fuzzer exits without running destructors).
fn store_dir() -> PathBuf {
    let base = std::env::temp_dir();
    if let Ok(entries) = std::fs::read_dir(&base) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(pid) = name
                .to_str()
                .and_then(|n| n.strip_prefix("vigie-fuzz-store-"))
            else {
                continue;
            };
            if std::fs::metadata(format!("/proc/{pid}")).is_err() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    let dir = base.join(format!("vigie-fuzz-store-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A hunting query as `POST /api/v1/hunt` runs it, on eleven events.
///
/// Checks: a refused query names a column inside the text (or just past its end); a parsed
/// query's search (with native/ECS aliases, as `query::run` expands it) selects exactly the
/// same events from the embedded store (its planner narrows with the index, then checks
/// each candidate) as from the reference store; `query::run` with its pipe stages gives the
/// same result on both stores (rows compared whole when no aggregation reorders sums).
pub fn query_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let now = Timestamp::from_second(1_764_151_200).expect("a valid time");
    let parsed = match query::parse(text, now) {
        Ok(parsed) => parsed,
        Err(error) => {
            let chars = text.chars().count();
            assert!(
                (1..=chars + 1).contains(&error.column),
                "column {} of a {chars}-character query: {error}",
                error.column
            );
            assert!(!error.expected.is_empty(), "{error}");
            return;
        }
    };
    let stores = stores();
    let filter = parsed
        .search
        .as_ref()
        .map(|s| FieldAliases::windows().expand(s));
    for order in [Order::Any, Order::NewestFirst] {
        let request = ScanRequest {
            filter: filter.clone(),
            order,
            limit: (order == Order::NewestFirst).then_some(3),
            ..ScanRequest::default()
        };
        let ids = |events: Vec<StoredEvent>| -> Vec<EventId> {
            let mut ids: Vec<EventId> = events.into_iter().map(|e| e.event.id).collect();
            if order == Order::Any {
                ids.sort_unstable();
            }
            ids
        };
        let expected = ids(stores.runtime.block_on(testsuite::collect(
            &stores.memory,
            &stores.scope,
            request.clone(),
        )));
        let got = ids(stores.runtime.block_on(testsuite::collect(
            &stores.embedded,
            &stores.scope,
            request,
        )));
        assert_eq!(
            got, expected,
            "the embedded store selects other events than the reference ({order:?})"
        );
    }
    let options = HuntOptions {
        max_rows: 4,
        max_groups: 6,
        ..HuntOptions::default()
    };
    let run = |store: &dyn EventStore| -> Result<HuntResult, String> {
        stores
            .runtime
            .block_on(query::run(store, &stores.scope, &parsed, &options))
            .map_err(|e| e.to_string())
    };
    let expected = run(&stores.memory);
    let got = run(&stores.embedded);
    let aggregates = parsed
        .stages
        .iter()
        .any(|s| matches!(s, Stage::Stats { .. } | Stage::Timechart { .. }));
    match (&got, &expected) {
        (Ok(got), Ok(expected)) if aggregates => {
            assert_eq!(got.columns, expected.columns, "columns");
            assert_eq!(got.rows.len(), expected.rows.len(), "rows");
            assert_eq!(got.events_matched, expected.events_matched, "matched");
            assert_eq!(got.truncated, expected.truncated, "truncated");
        }
        _ => assert_eq!(got, expected, "query::run on both stores"),
    }
    let ids: BTreeSet<String> = stores
        .memory
        .events
        .iter()
        .map(|e| e.event.id.to_string())
        .collect();
    if let Ok(result) = &expected {
        for row in &result.rows {
            if let Some(Value::String(id)) = row.get("@id") {
                assert!(ids.contains(id), "row of unknown event {id}");
            }
        }
    }
}
