//! Hostile requests against the router (driven without a socket, on a real SQLite file and
//! a real WAL): a deep query from a token of the wrong kind, a panicking handler, metrics
//! without a platform token, oversized job requests. Each of these took the process down
//! or answered too much before the hardening work.

use std::sync::{Arc, Mutex};
use std::time::Duration;
use vigie_soc::prelude::*;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use jiff::Timestamp;
use serde_json::{Value, json};
use tower::ServiceExt;
use vigie_access::Access;
use vigie_access::TenantScope;
use vigie_access::{TokenKind, TokenOwner};
use vigie_detect::RuleSet;
use vigie_event::TenantSlug;
use vigie_ingest::{Intake, IntakeConfig};
use vigie_log::{Wal, WalConfig};
use vigie_soc::SqliteStore;
use vigie_store::model::{
    Dropped, LoggedEvent, RetentionPolicy, ScanBatch, ScanRequest, ScanStream, TenantUsage,
    WriteReport,
};
use vigie_store::{EventStore, StoreError};
use vigie_web::api::hunt::Hunting;
use vigie_web::{AppState, WebConfig, router};

/// How the test store behaves when scanned.
#[derive(Clone, Copy)]
enum Scan {
    /// Panics in `scan` itself (a bug in a backend, reached from a handler).
    Panic,
    /// Never finishes (a long hunt): the sender is kept, no batch is sent.
    Forever,
}

struct TestStore {
    scan: Scan,
    held: Mutex<Vec<tokio::sync::mpsc::Sender<Result<ScanBatch, StoreError>>>>,
}

#[async_trait::async_trait]
impl EventStore for TestStore {
    async fn write(&self, _: Vec<LoggedEvent>) -> Result<WriteReport, StoreError> {
        Ok(WriteReport::default())
    }
    fn scan(&self, _: &TenantScope, _: ScanRequest) -> ScanStream {
        match self.scan {
            Scan::Panic => panic!("test store: scan failed on purpose"),
            Scan::Forever => {
                let (tx, rx) = tokio::sync::mpsc::channel(1);
                self.held.lock().unwrap().push(tx);
                rx
            }
        }
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

struct Setup {
    app: axum::Router,
    ingest: String,
    read: String,
    platform_read: String,
    _dir: tempfile::TempDir,
}

async fn setup(scan: Scan) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        SqliteStore::open(&dir.path().join("state.sqlite"))
            .await
            .unwrap(),
    );
    let tenant = store
        .create_tenant(&TenantSlug::new("commune-h").unwrap(), "Commune H")
        .await
        .unwrap();
    let token = |owner, kind| {
        let store = store.clone();
        async move { store.create_token(owner, kind, "t").await.unwrap().secret }
    };
    let ingest = token(TokenOwner::Tenant(tenant.id), TokenKind::Ingest).await;
    let read = token(TokenOwner::Tenant(tenant.id), TokenKind::Read).await;
    let platform_read = token(TokenOwner::Platform, TokenKind::Read).await;
    let log = Arc::new(
        Wal::open(WalConfig {
            dir: dir.path().join("wal"),
            consumers: vec!["detect".to_owned()],
            ..WalConfig::default()
        })
        .unwrap(),
    );
    let intake = Intake::new(
        log,
        IntakeConfig {
            max_backlog: 1000,
            retry_after: Duration::from_secs(1),
            consumer: "detect".to_owned(),
        },
    );
    let state = AppState::new(
        Access::new(store.clone()),
        store,
        intake,
        None,
        WebConfig {
            max_body_bytes: 4 << 20,
            max_decoded_bytes: 4 << 20,
            max_line_bytes: 1 << 20,
        },
    );
    let events: Arc<dyn EventStore> = Arc::new(TestStore {
        scan,
        held: Mutex::new(Vec::new()),
    });
    let rules = Arc::new(RuleSet::from_yaml("", std::path::Path::new("none")).0);
    let app = router(state).layer(axum::Extension(Hunting::new(events, rules, 100)));
    Setup {
        app,
        ingest,
        read,
        platform_read,
        _dir: dir,
    }
}

async fn call(
    app: &axum::Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let request = match body {
        Some(body) => request
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    }
    .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, value)
}

#[tokio::test]
async fn a_deep_query_is_refused_by_kind_before_parsing_and_by_limit_after() {
    let s = setup(Scan::Forever).await;
    // 200,000 nested parentheses used to overflow the stack and abort the process.
    let deep = "(".repeat(200_000) + "a" + &")".repeat(200_000);
    let nots = "NOT ".repeat(200_000) + "a";
    for query in [&deep, &nots] {
        // An ingest token may not hunt: refused before the query is read.
        let (status, body) = call(
            &s.app,
            "POST",
            "/api/v1/hunt",
            Some(&s.ingest),
            Some(json!({ "query": query })),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        // A read token gets the limit named.
        let (status, body) = call(
            &s.app,
            "POST",
            "/api/v1/hunt",
            Some(&s.read),
            Some(json!({ "query": query })),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("nesting limit") || message.contains("query length limit"),
            "{message}"
        );
    }
    // 300,000 `NOT` (1.2 MB) is over the desk body limit: refused before it is read.
    let (status, body) = call(
        &s.app,
        "POST",
        "/api/v1/hunt",
        Some(&s.read),
        Some(json!({ "query": "NOT ".repeat(300_000) + "a" })),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    // The backtest and IOC routes check the kind before reading the rule or the list.
    for (path, body) in [
        (
            "/api/v1/rules/backtest",
            json!({"rule": "[".repeat(100_000)}),
        ),
        ("/api/v1/ioc/hunt", json!({"iocs": {"ips": ["not an ip"]}})),
    ] {
        let (status, reply) = call(&s.app, "POST", path, Some(&s.ingest), Some(body)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {reply}");
    }
}

#[tokio::test]
async fn a_panicking_handler_answers_500_and_the_server_goes_on() {
    let s = setup(Scan::Panic).await;
    for _ in 0..3 {
        let (status, body) = call(
            &s.app,
            "POST",
            "/api/v1/hunt",
            Some(&s.read),
            Some(json!({"query": "a"})),
        )
        .await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
        assert_eq!(body["error"]["message"], "internal error", "{body}");
    }
    let (status, _) = call(&s.app, "GET", "/healthz", None, None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn metrics_answer_only_a_platform_token() {
    let s = setup(Scan::Forever).await;
    let (status, _) = call(&s.app, "GET", "/metrics", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for token in [&s.ingest, &s.read] {
        let (status, body) = call(&s.app, "GET", "/metrics", Some(token), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    }
    // This router has no recorder installed: past the token check it says so.
    let (status, body) = call(&s.app, "GET", "/metrics", Some(&s.platform_read), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn jobs_and_their_results_are_bounded_per_caller() {
    let s = setup(Scan::Forever).await;
    let ioc = |max: Option<u64>| {
        let mut body = json!({"iocs": {"ips": ["192.0.2.1"]}});
        if let Some(max) = max {
            body["max_matches"] = json!(max);
        }
        body
    };
    let (status, body) = call(
        &s.app,
        "POST",
        "/api/v1/ioc/hunt",
        Some(&s.read),
        Some(ioc(Some(10_000_000))),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains("10000000"), "{body}");
    // Four jobs run at once (the store never finishes); the fifth is refused with 429.
    for n in 0..4 {
        let (status, body) = call(
            &s.app,
            "POST",
            "/api/v1/ioc/hunt",
            Some(&s.read),
            Some(ioc(None)),
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED, "job {n}: {body}");
    }
    let (status, body) = call(
        &s.app,
        "POST",
        "/api/v1/ioc/hunt",
        Some(&s.read),
        Some(ioc(None)),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(body.to_string().contains("at most 4"), "{body}");
    // Another caller is not held back by the first one's jobs.
    let (status, body) = call(
        &s.app,
        "POST",
        "/api/v1/ioc/hunt",
        Some(&s.platform_read),
        Some(ioc(None)),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}
