//! The conformance suite for [`EventStore`] backends, written against the trait only.
//!
//! Every backend runs [`run_all`] with a `make` closure that opens the backend storing its
//! state under the given directory; calling `make` again with the same directory after the
//! previous instance was dropped must reopen the same store. Each check panics with a message
//! naming what failed. Enabled by the `testsuite` feature.
//!
//! The checks build tenant scopes directly: a test stands in for the access layer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use jiff::Timestamp;
use serde_json::{Map, Value, json};
use vigie_access::{Grant, TenantScope};
use vigie_event::{Event, TenantId};

use crate::EventStore;
use crate::model::{
    Limits, LoggedEvent, LoggedRecord, Order, RetentionPolicy, ScanRequest, StoredEvent, TimeRange,
};
use crate::query::parse;

/// A scope as the access layer would grant it.
pub fn scope(grant: Grant) -> TenantScope {
    vigie_access::testing::scope(grant).expect("a non-empty grant")
}

/// Runs every check, each in a fresh temporary directory.
pub async fn run_all<S: EventStore>(make: impl Fn(&Path) -> S) {
    scoped_reads(&make).await;
    idempotent_and_durable(&make).await;
    filters_match_reference(&make).await;
    newest_first_with_limit(&make).await;
    retention_drops_only_past_limits(&make).await;
    records_decoded_bad_ones_reported(&make).await;
}

/// `write_records` stores every decodable record, reports the others with their offset
/// without losing the rest, counts events per tenant, and skips a replay.
pub async fn records_decoded_bad_ones_reported<S: EventStore>(make: &impl Fn(&Path) -> S) {
    let dir = temp_dir();
    let store = make(dir.path());
    let good: Vec<Event> = (0..6)
        .map(|i| {
            event(
                1 + (i % 2),
                if i < 3 {
                    "2026-11-24T23:59:00Z"
                } else {
                    "2026-11-25T00:01:00Z"
                },
                json!({"n": i, "CommandLine": "whoami /all", "nested": {"k": [1, true, null]}}),
            )
        })
        .collect();
    let mut records: Vec<LoggedRecord> = Vec::new();
    let mut offset = 0u64;
    for (i, e) in good.iter().enumerate() {
        if i == 2 {
            records.push(LoggedRecord {
                offset,
                record: bytes::Bytes::from_static(b"{\"not\": \"an event\"}"),
            });
            offset += 1;
        }
        records.push(LoggedRecord {
            offset,
            record: e.to_record().into(),
        });
        offset += 1;
    }
    let report = store
        .write_records(records.clone())
        .await
        .expect("write records");
    assert_eq!(report.written.events, 6);
    assert_eq!(report.written.skipped, 0);
    assert_eq!(report.undecodable.len(), 1);
    assert_eq!(report.undecodable[0].0, 2, "the bad record's offset");
    let mut per_tenant: Vec<(i64, u64)> = report
        .tenants
        .iter()
        .map(|t| (t.tenant.0, t.events))
        .collect();
    per_tenant.sort_unstable();
    assert_eq!(per_tenant, [(1, 3), (2, 3)]);
    let oldest = report
        .tenants
        .iter()
        .map(|t| t.oldest_received)
        .min()
        .expect("tenants");
    assert_eq!(oldest, at("2026-11-24T23:59:00Z"));
    let all = collect(&store, &scope(Grant::Platform), ScanRequest::default()).await;
    assert_eq!(ids(&all), good.iter().map(|e| e.id.to_string()).collect());
    let stored: Vec<&Event> = all.iter().map(|s| &s.event).collect();
    for e in &good {
        assert!(stored.contains(&e), "event {} comes back as written", e.id);
    }
    // A replay after a crash adds nothing.
    let again = store.write_records(records).await.expect("replay");
    assert_eq!(again.written.events, 0);
    assert_eq!(again.written.skipped, 6);
    let all = collect(&store, &scope(Grant::Platform), ScanRequest::default()).await;
    assert_eq!(all.len(), 6);
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("create a temporary directory")
}

fn at(text: &str) -> Timestamp {
    text.parse().expect("a valid time")
}

/// An event of `tenant` received at `received` with these fields.
pub fn event(tenant: i64, received: &str, fields: Value) -> Event {
    let Value::Object(map) = fields else {
        panic!("fields must be an object")
    };
    Event::new(TenantId(tenant), at(received), "test", map)
}

/// `events` at consecutive log offsets from `first`.
pub fn logged(events: &[Event], first: u64) -> Vec<LoggedEvent> {
    events
        .iter()
        .zip(first..)
        .map(|(e, offset)| LoggedEvent::new(offset, e.clone()))
        .collect()
}

/// Every event of a scan.
pub async fn collect<S: EventStore + ?Sized>(
    store: &S,
    scope: &TenantScope,
    request: ScanRequest,
) -> Vec<StoredEvent> {
    let mut stream = store.scan(scope, request);
    let mut out = Vec::new();
    while let Some(batch) = stream.recv().await {
        out.extend(batch.expect("scan batch").events);
    }
    out
}

fn ids(events: &[StoredEvent]) -> BTreeSet<String> {
    events.iter().map(|e| e.event.id.to_string()).collect()
}

/// Each scope sees exactly its tenants' events; each event says its tenant.
pub async fn scoped_reads<S: EventStore>(make: &impl Fn(&Path) -> S) {
    let dir = temp_dir();
    let store = make(dir.path());
    let mut written = Vec::new();
    for i in 0..30 {
        let tenant = 1 + (i % 3);
        written.push(event(
            tenant,
            "2026-11-25T10:00:00Z",
            json!({"n": i, "Hostname": format!("h{i}")}),
        ));
    }
    store.write(logged(&written, 0)).await.expect("write");
    for tenant in 1..=3 {
        let got = collect(
            &store,
            &scope(Grant::Tenant(TenantId(tenant))),
            ScanRequest::default(),
        )
        .await;
        assert_eq!(got.len(), 10, "tenant {tenant} sees its 10 events");
        assert!(
            got.iter()
                .all(|e| e.tenant == TenantId(tenant) && e.event.tenant == TenantId(tenant)),
            "tenant {tenant} saw another tenant's event"
        );
    }
    let two = scope(Grant::Tenants([TenantId(1), TenantId(3)].into()));
    let got = collect(&store, &two, ScanRequest::default()).await;
    assert_eq!(got.len(), 20);
    assert!(got.iter().all(|e| e.tenant != TenantId(2)));
    let all = collect(&store, &scope(Grant::Platform), ScanRequest::default()).await;
    assert_eq!(
        ids(&all),
        written.iter().map(|e| e.id.to_string()).collect()
    );
    let outsider = collect(
        &store,
        &scope(Grant::Tenant(TenantId(9))),
        ScanRequest::default(),
    )
    .await;
    assert!(outsider.is_empty(), "a tenant without events sees nothing");
    let usage = store.usage(&two).await.expect("usage");
    assert_eq!(
        usage
            .iter()
            .map(|u| (u.tenant, u.events))
            .collect::<Vec<_>>(),
        vec![(TenantId(1), 10), (TenantId(3), 10)]
    );
    assert!(usage.iter().all(|u| u.bytes > 0));
}

/// Writing the same log positions again (a replay after a crash) stores them once; writes
/// survive reopening.
pub async fn idempotent_and_durable<S: EventStore>(make: &impl Fn(&Path) -> S) {
    let dir = temp_dir();
    let batch: Vec<Event> = (0..50)
        .map(|i| event(1, "2026-11-25T10:00:00Z", json!({"i": i})))
        .collect();
    {
        let store = make(dir.path());
        let report = store.write(logged(&batch[..30], 0)).await.expect("write");
        assert_eq!((report.events, report.skipped), (30, 0));
        let report = store
            .write(logged(&batch[20..], 20))
            .await
            .expect("write overlapping");
        assert_eq!((report.events, report.skipped), (20, 10));
        let report = store
            .write(logged(&batch[..10], 0))
            .await
            .expect("write again");
        assert_eq!((report.events, report.skipped), (0, 10));
    }
    let store = make(dir.path());
    let report = store
        .write(logged(&batch[40..], 40))
        .await
        .expect("write after reopen");
    assert_eq!(
        (report.events, report.skipped),
        (0, 10),
        "positions survive reopening"
    );
    let got = collect(&store, &scope(Grant::Platform), ScanRequest::default()).await;
    assert_eq!(got.len(), 50, "every event once");
    assert_eq!(ids(&got), batch.iter().map(|e| e.id.to_string()).collect());
    let back: BTreeMap<String, &Event> = got
        .iter()
        .map(|e| (e.event.id.to_string(), &e.event))
        .collect();
    for e in &batch {
        assert_eq!(back[&e.id.to_string()], e, "event read back unchanged");
    }
    // Events of a later day go to a new partition, offsets still count.
    let later: Vec<Event> = (0..5)
        .map(|i| event(1, "2026-11-26T10:00:00Z", json!({"later": i})))
        .collect();
    let report = store.write(logged(&later, 50)).await.expect("write later");
    assert_eq!((report.events, report.skipped), (5, 0));
    let later_got = collect(
        &store,
        &scope(Grant::Platform),
        ScanRequest {
            filter: parse("later:*", at("2026-12-01T00:00:00Z"))
                .expect("parse")
                .search,
            ..ScanRequest::default()
        },
    )
    .await;
    assert_eq!(later_got.len(), 5);
}

fn reference_events() -> Vec<Event> {
    let rows = [
        json!({"EventID": 4688, "NewProcessName": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd.exe /c whoami", "Hostname": "WS1", "SourceAddress": "10.1.2.3", "port": 443}),
        json!({"EventID": 1, "Image": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "CommandLine": "powershell -enc SQBFAFgA", "Hostname": "WS2", "SourceAddress": "192.168.2.5", "port": "8080"}),
        json!({"EventID": "1", "Image": "C:\\Tools\\mimikatz.exe", "CommandLine": "mimikatz sekurlsa::logonpasswords", "Hostname": "ws1"}),
        json!({"event": {"code": "4688"}, "process": {"executable": "C:\\Windows\\System32\\cmd.exe", "command_line": "cmd /c net user"}, "host": {"name": "WS3"}}),
        json!({"event.code": "4624", "process.executable": "C:\\Windows\\explorer.exe", "host.name": "WS3", "source.ip": "fe80::1"}),
        json!({"EventID": 5156, "DestAddress": "168.63.129.16", "DestPort": "80", "Message": "The Windows Filtering Platform has permitted a connection.", "Hostname": "WS1", "tags": ["beat", "Windows"]}),
        json!({"EventID": 5156, "DestAddress": "10.9.9.9", "DestPort": 3389, "Message": "Permitted", "Hostname": "WS2", "ratio": 0.5, "enabled": true}),
        json!({"Message": "Ünïcode Straße ÉTÉ", "Hostname": "ws4", "n": null}),
    ];
    let mut events = Vec::new();
    for (i, row) in rows.into_iter().enumerate() {
        let received = if i % 2 == 0 {
            "2026-11-24T23:00:00Z"
        } else {
            "2026-11-25T01:00:00Z"
        };
        let mut e = event(1 + (i as i64 % 2), received, row);
        e = e.with_timestamp(Some(
            at("2026-11-25T00:00:00Z") + jiff::SignedDuration::from_mins(i as i64 * 10),
        ));
        events.push(e);
    }
    events
}

/// The queries the reference check runs; exported so that other tests can reuse them.
pub const REFERENCE_QUERIES: &[&str] = &[
    "EventID:4688",
    "EventID:1",
    "EventID=1 Hostname:WS1",
    "Hostname:ws1",
    "Image:*\\powershell.exe",
    "Image:C:\\Tools\\*",
    "NewProcessName:C:\\Windows\\System32\\cmd.exe",
    "process.executable:*cmd.exe",
    "event.code:4688",
    "host.name:WS3",
    "CommandLine:\"sekurlsa logonpasswords\"",
    "\"windows filtering platform\"",
    "mimikatz",
    "mimi*",
    "cmd.exe",
    "CommandLine:/whoami|net user/",
    "SourceAddress:10.0.0.0/8",
    "source.ip:fe80::/10",
    "DestAddress:10.0.0.0/8 OR DestAddress:168.63.0.0/16",
    "port>=443",
    "DestPort<100",
    "ratio<1",
    "enabled:true",
    "tags:windows",
    "Message:*",
    "n:*",
    "NOT EventID:5156",
    "Hostname:WS2 -foo",
    "(EventID:5156 OR EventID:4688) AND NOT Hostname:WS2",
    "@time>=2026-11-25T00:30:00Z",
    "@time<2026-11-25T00:30:00Z",
    "straße",
    "Message:\"ÉTÉ\"",
    "@tenant:1",
    "EventID!=5156",
    "ratio:0.5",
    "port:443.0",
    "EventID:4688.0",
    "3389",
    "true",
    "enabled:TRUE",
    "*",
    "sekur*",
];

/// Every filter returns exactly the events a straightforward scan with
/// [`crate::query::Expr::matches`] selects, in every scope.
pub async fn filters_match_reference<S: EventStore>(make: &impl Fn(&Path) -> S) {
    let dir = temp_dir();
    let store = make(dir.path());
    let events = reference_events();
    store.write(logged(&events, 0)).await.expect("write");
    let scopes = [
        scope(Grant::Tenant(TenantId(1))),
        scope(Grant::Tenant(TenantId(2))),
        scope(Grant::Platform),
    ];
    let now = at("2026-11-26T00:00:00Z");
    for text in REFERENCE_QUERIES {
        let query = parse(text, now).unwrap_or_else(|e| panic!("{text}: {e}"));
        for scope in &scopes {
            let request = ScanRequest {
                filter: query.search.clone(),
                ..ScanRequest::default()
            };
            let got = ids(&collect(&store, scope, request.clone()).await);
            let expected: BTreeSet<String> = events
                .iter()
                .filter(|e| scope.contains(e.tenant))
                .map(|e| StoredEvent::new(e.clone()))
                .filter(|e| e.selected_by(&request))
                .map(|e| e.event.id.to_string())
                .collect();
            assert_eq!(got, expected, "query {text:?} in {scope:?}");
        }
    }
    // A time range on event time.
    let range = TimeRange {
        from: Some(at("2026-11-25T00:20:00Z")),
        to: Some(at("2026-11-25T00:50:00Z")),
    };
    let got = collect(
        &store,
        &scope(Grant::Platform),
        ScanRequest {
            range,
            ..ScanRequest::default()
        },
    )
    .await;
    assert_eq!(got.len(), 3, "events at :20, :30, :40");
    // An event by its id (either case), only inside the scope.
    let target = &events[3];
    for text in [
        format!("@id:{}", target.id),
        format!("@id:{}", target.id.to_string().to_uppercase()),
    ] {
        let query = parse(&text, now).expect("parse @id");
        let request = ScanRequest {
            filter: query.search.clone(),
            ..ScanRequest::default()
        };
        let got = ids(&collect(&store, &scope(Grant::Platform), request.clone()).await);
        assert_eq!(got, BTreeSet::from([target.id.to_string()]), "{text}");
        let other = if target.tenant == TenantId(1) { 2 } else { 1 };
        let got = collect(&store, &scope(Grant::Tenant(TenantId(other))), request).await;
        assert!(got.is_empty(), "{text} outside its tenant");
    }
}

/// Newest first with a limit returns the newest events.
pub async fn newest_first_with_limit<S: EventStore>(make: &impl Fn(&Path) -> S) {
    let dir = temp_dir();
    let store = make(dir.path());
    let mut events = Vec::new();
    for i in 0..40 {
        let received = format!("2026-11-{:02}T12:00:00Z", 10 + i % 4);
        let mut e = event(1, &received, json!({"i": i}));
        e = e.with_timestamp(Some(
            at("2026-01-01T00:00:00Z") + jiff::SignedDuration::from_hours(i * 7 % 40),
        ));
        events.push(e);
    }
    store.write(logged(&events, 0)).await.expect("write");
    let got = collect(
        &store,
        &scope(Grant::Tenant(TenantId(1))),
        ScanRequest {
            order: Order::NewestFirst,
            limit: Some(5),
            ..ScanRequest::default()
        },
    )
    .await;
    let mut times: Vec<Timestamp> = events.iter().map(crate::event_time).collect();
    times.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(
        got.iter().map(|e| e.time).collect::<Vec<_>>(),
        times[..5].to_vec()
    );
}

/// Retention by days and by bytes drops whole partitions past the limit and nothing else.
pub async fn retention_drops_only_past_limits<S: EventStore>(make: &impl Fn(&Path) -> S) {
    let dir = temp_dir();
    let store = make(dir.path());
    let mut events = Vec::new();
    for day in 1..=10 {
        for tenant in 1..=2 {
            for i in 0..20 {
                events.push(event(
                    tenant,
                    &format!("2026-11-{day:02}T12:00:00Z"),
                    json!({"day": day, "i": i, "pad": "x".repeat(200)}),
                ));
            }
        }
    }
    store.write(logged(&events, 0)).await.expect("write");
    let now = at("2026-11-10T18:00:00Z");
    let policy = RetentionPolicy {
        default: Limits {
            days: Some(7),
            bytes: None,
        },
        tenants: [(
            TenantId(2),
            Limits {
                days: Some(3),
                bytes: None,
            },
        )]
        .into(),
    };
    let dropped = store
        .enforce_retention(&policy, now)
        .await
        .expect("retention");
    let mut by_tenant: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for d in &dropped {
        by_tenant.entry(d.tenant.0).or_default().push(d.day.clone());
        assert_eq!(d.events, 20);
        assert_eq!(d.reason, "days");
    }
    assert_eq!(
        by_tenant[&1],
        ["2026-11-01", "2026-11-02", "2026-11-03"],
        "tenant 1 keeps 7 days"
    );
    assert_eq!(by_tenant[&2].len(), 7, "tenant 2 keeps 3 days");
    let all = scope(Grant::Platform);
    let days_left = |tenant: i64, events: &[StoredEvent]| -> BTreeSet<i64> {
        events
            .iter()
            .filter(|e| e.tenant.0 == tenant)
            .map(|e| e.event.fields["day"].as_i64().unwrap_or(0))
            .collect()
    };
    let left = collect(&store, &all, ScanRequest::default()).await;
    assert_eq!(days_left(1, &left), (4..=10).collect());
    assert_eq!(days_left(2, &left), (8..=10).collect());
    // Idempotent: nothing more to drop.
    assert!(
        store
            .enforce_retention(&policy, now)
            .await
            .expect("retention")
            .is_empty()
    );
    // By size: keep tenant 1 under the size of about two partitions.
    let usage = store
        .usage(&scope(Grant::Tenant(TenantId(1))))
        .await
        .expect("usage");
    let per_partition = usage[0].bytes / usage[0].partitions;
    let policy = RetentionPolicy {
        default: Limits {
            days: None,
            bytes: Some(per_partition * 2 + per_partition / 2),
        },
        tenants: [(TenantId(2), Limits::default())].into(),
    };
    let dropped = store
        .enforce_retention(&policy, now)
        .await
        .expect("retention by size");
    assert!(
        dropped
            .iter()
            .all(|d| d.tenant == TenantId(1) && d.reason == "bytes"),
        "{dropped:?}"
    );
    let left = collect(&store, &all, ScanRequest::default()).await;
    let kept = days_left(1, &left);
    assert!(
        kept.len() >= 2 && kept.len() <= 3,
        "about 2 newest partitions kept: {kept:?}"
    );
    assert!(
        kept.contains(&10) && kept.contains(&9),
        "the newest are kept: {kept:?}"
    );
    assert_eq!(
        days_left(2, &left),
        (8..=10).collect(),
        "tenant 2 untouched"
    );
    // Reopened, the store knows the same partitions.
    drop(store);
    let store = make(dir.path());
    let again = collect(&store, &all, ScanRequest::default()).await;
    assert_eq!(again.len(), left.len());
    let _ = Map::<String, Value>::new();
}
