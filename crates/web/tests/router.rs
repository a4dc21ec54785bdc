//! The router driven without a socket (`tower::ServiceExt::oneshot`), on a real SQLite file
//! and a real WAL in a temporary directory, with no pipeline running so the backlog can be
//! controlled exactly.

use std::sync::Arc;
use std::time::Duration;
use vigie_soc::prelude::*;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use vigie_access::Access;
use vigie_access::{TokenKind, TokenOwner};
use vigie_event::TenantSlug;
use vigie_ingest::{Intake, IntakeConfig};
use vigie_log::{Wal, WalConfig};
use vigie_soc::SqliteStore;
use vigie_web::{AppState, WebConfig, router};

struct Setup {
    app: axum::Router,
    log: Arc<Wal>,
    ingest_token: String,
    platform_ingest: String,
    _dir: tempfile::TempDir,
}

async fn setup(max_backlog: u64) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        SqliteStore::open(&dir.path().join("state.sqlite"))
            .await
            .unwrap(),
    );
    let tenant = store
        .create_tenant(&TenantSlug::new("hospital-e").unwrap(), "Hospital E")
        .await
        .unwrap();
    let ingest_token = store
        .create_token(TokenOwner::Tenant(tenant.id), TokenKind::Ingest, "t")
        .await
        .unwrap()
        .secret;
    let platform_ingest = store
        .create_token(TokenOwner::Platform, TokenKind::Ingest, "p")
        .await
        .unwrap()
        .secret;
    let log = Arc::new(
        Wal::open(WalConfig {
            dir: dir.path().join("wal"),
            consumers: vec!["detect".to_owned()],
            ..WalConfig::default()
        })
        .unwrap(),
    );
    let intake = Intake::new(
        log.clone(),
        IntakeConfig {
            max_backlog,
            retry_after: Duration::from_secs(7),
            consumer: "detect".to_owned(),
        },
    );
    let state = AppState::new(
        Access::new(store.clone()),
        store,
        intake,
        None,
        WebConfig {
            max_body_bytes: 1 << 20,
            max_decoded_bytes: 1 << 20,
            max_line_bytes: 1 << 10,
        },
    );
    Setup {
        app: router(state),
        log,
        ingest_token,
        platform_ingest,
        _dir: dir,
    }
}

async fn post(app: &axum::Router, token: &str, body: &str) -> (StatusCode, Option<String>, Value) {
    let request = Request::post("/api/v1/ingest")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(body.to_owned()))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let retry = response
        .headers()
        .get(header::RETRY_AFTER)
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, retry, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn backlog_over_the_limit_answers_429_with_retry_after_and_accepts_nothing() {
    let setup = setup(2).await;
    let lines = "{\"a\":1}\n{\"a\":2}\n";
    let (status, _, reply) = post(&setup.app, &setup.ingest_token, lines).await;
    assert_eq!(
        (status, reply["accepted"].as_u64()),
        (StatusCode::OK, Some(2))
    );
    let (status, _, _) = post(&setup.app, &setup.ingest_token, "{\"a\":3}\n").await;
    assert_eq!(status, StatusCode::OK);
    // Backlog is now 3 > 2: refused whole, nothing appended.
    let (status, retry, reply) = post(&setup.app, &setup.ingest_token, lines).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{reply}");
    assert_eq!(retry.as_deref(), Some("7"));
    assert_eq!(reply["error"]["kind"], "overloaded");
    assert_eq!(setup.log.end_offset(), 3);
    // Once the pipeline catches up, ingest resumes.
    setup.log.commit("detect", 3).await.unwrap();
    let (status, _, reply) = post(&setup.app, &setup.ingest_token, lines).await;
    assert_eq!(
        (status, reply["accepted"].as_u64()),
        (StatusCode::OK, Some(2))
    );
}

#[tokio::test]
async fn accepted_events_are_in_the_log_with_the_token_tenant() {
    let setup = setup(1000).await;
    let body = "{\"tenant\": 999, \"x\": 1}\n\n{\"x\": 2}\n";
    let (status, _, reply) = post(&setup.app, &setup.ingest_token, body).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    let records = setup.log.read(0, 10).await.unwrap();
    assert_eq!(records.len(), 2);
    for record in records {
        let event = vigie_event::Event::from_record(&record.payload).unwrap();
        assert_ne!(event.tenant.0, 999);
        assert_eq!(event.source, "http");
    }
}

#[tokio::test]
async fn platform_token_cannot_ingest_and_long_lines_are_named() {
    let setup = setup(1000).await;
    let (status, _, reply) = post(&setup.app, &setup.platform_ingest, "{\"a\":1}\n").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{reply}");
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("platform token")
    );

    let long = format!("{{\"a\":\"{}\"}}\n{{\"b\":1}}\n", "x".repeat(2000));
    let (status, _, reply) = post(&setup.app, &setup.ingest_token, &long).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reply["accepted"], 1);
    assert_eq!(reply["errors"][0]["line"], 1);
    assert_eq!(reply["errors"][0]["reason"], "line_too_long");
}

#[tokio::test]
async fn body_over_the_limit_is_413() {
    let setup = setup(1000).await;
    let body = "{\"a\":1}\n".repeat(200_000);
    let (status, _, _) = {
        let request = Request::post("/api/v1/ingest")
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", setup.ingest_token),
            )
            .body(Body::from(body))
            .unwrap();
        let response = setup.app.clone().oneshot(request).await.unwrap();
        (response.status(), None::<String>, Value::Null)
    };
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(setup.log.end_offset(), 0);
}
