//! The login surface under hostile input, driven in-process on a real SQLite file: a 4 MB
//! username (the state database used to grow by the whole name at every attempt), a flood
//! of refused logins, oversized desk bodies, and the client address behind a trusted
//! reverse proxy.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use vigie_soc::prelude::*;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use vigie_access::NewUser;
use vigie_access::{Access, LoginError};
use vigie_access::{Role, TokenKind, TokenOwner};
use vigie_event::TenantSlug;
use vigie_ingest::{Intake, IntakeConfig};
use vigie_log::{Wal, WalConfig};
use vigie_soc::{Actor, SqliteStore};
use vigie_web::{AppState, ClientAddresses, ForwardedHeader, WebConfig, router};

const PASSWORD: &str = "a long enough password";

struct Setup {
    app: axum::Router,
    store: Arc<SqliteStore>,
    dir: tempfile::TempDir,
}

async fn setup(clients: ClientAddresses) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        SqliteStore::open(&dir.path().join("state.sqlite"))
            .await
            .unwrap(),
    );
    let tenant = store
        .create_tenant(&TenantSlug::new("zone-a").unwrap(), "Zone A")
        .await
        .unwrap()
        .id;
    let platform = Access::new(store.clone()).operator_scope();
    store
        .add_user(
            &Actor::operator(),
            &platform,
            &NewUser {
                username: "ana".into(),
                password: PASSWORD.into(),
                role: Role::Analyst,
                tenants: vec![tenant],
            },
        )
        .await
        .unwrap();
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
        store.clone(),
        intake,
        None,
        WebConfig {
            max_body_bytes: 16 << 20,
            max_decoded_bytes: 16 << 20,
            max_line_bytes: 1 << 20,
        },
    )
    .with_client_addresses(clients);
    Setup {
        app: router(state),
        store,
        dir,
    }
}

/// Bytes of the state database on disk (main file, WAL, shared memory).
fn db_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("state.sqlite"))
        .map(|e| e.metadata().unwrap().len())
        .sum()
}

struct Reply {
    status: StatusCode,
    body: Value,
}

async fn post(
    app: &axum::Router,
    uri: &str,
    body: Vec<u8>,
    peer: &str,
    extra: &[(&str, &str)],
) -> Reply {
    let mut req = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::HOST, "127.0.0.1:8470")
        .header(header::CONTENT_TYPE, "application/json");
    for (name, value) in extra {
        req = req.header(*name, *value);
    }
    let mut req = req.body(Body::from(body)).unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::new(peer.parse().unwrap(), 40_000)));
    let response = app.clone().oneshot(req).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

fn login_body(username: &str, password: &str) -> Vec<u8> {
    json!({"username": username, "password": password})
        .to_string()
        .into_bytes()
}

/// The defect: three logins with a 4 MB username grew the state database by 12 MB (the
/// name in the audit entry and the throttle key). Now each is refused with 400 naming the
/// limit, written once, cut, and the file grows by a few pages.
#[tokio::test]
async fn a_4_mb_username_does_not_grow_the_state_database() {
    let s = setup(ClientAddresses::default()).await;
    let huge = "A".repeat(4 << 20);
    let before = db_bytes(s.dir.path());
    for _ in 0..3 {
        let r = post(
            &s.app,
            "/api/v1/auth/login",
            login_body(&huge, "x"),
            "127.0.0.2",
            &[],
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        let message = r.body["error"]["message"].as_str().unwrap();
        assert!(message.contains("16384 bytes"), "{message}");
        assert!(message.contains("128"), "{message}");
    }
    // The same name under the body limit (the access layer refuses it on its own).
    let access = Access::new(s.store.clone());
    for _ in 0..3 {
        match access
            .login(&huge, "x", Some("127.0.0.3".parse().unwrap()))
            .await
        {
            Err(LoginError::Refused(refusal)) => {
                assert!(refusal.to_string().contains("128 bytes"))
            }
            other => panic!("{other:?}"),
        }
    }
    let r = post(
        &s.app,
        "/api/v1/auth/login",
        login_body(&"B".repeat(300), "x"),
        "127.0.0.4",
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("300 bytes, longer than the 128 bytes allowed"),
        "{}",
        r.body
    );
    let grown = db_bytes(s.dir.path()) - before;
    println!("7 refused logins with long usernames grew the state database by {grown} bytes");
    assert!(grown < 256 * 1024, "the database grew by {grown} bytes");
    let entries = s.store.audit_entries(0, 1000).await.unwrap();
    let refused: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "login.refused")
        .collect();
    assert_eq!(refused.len(), 7, "each refused login is audited once");
    for e in &refused {
        assert!(e.object.len() < 64 && e.payload.len() < 1024, "{e:?}");
    }
}

/// A flood of refused logins from one address and from many: the audit log grows by a
/// bounded number of entries; each address appears.
#[tokio::test]
async fn a_flood_of_refused_logins_writes_a_bounded_audit() {
    let s = setup(ClientAddresses::default()).await;
    let before = s.store.audit_head().await.unwrap().0;
    let mut statuses = std::collections::BTreeMap::new();
    let long = "C".repeat(200);
    for _ in 0..1000 {
        let r = post(
            &s.app,
            "/api/v1/auth/login",
            login_body(&long, "x"),
            "127.0.0.5",
            &[],
        )
        .await;
        *statuses.entry(r.status.as_u16()).or_insert(0) += 1;
    }
    for n in 10..60u8 {
        post(
            &s.app,
            "/api/v1/auth/login",
            login_body(&long, "x"),
            &format!("127.0.2.{n}"),
            &[],
        )
        .await;
    }
    let entries = s.store.audit_entries(before, 100_000).await.unwrap();
    println!(
        "1050 refused logins ({statuses:?} from one address, then 50 addresses once): {} audit entries",
        entries.len()
    );
    assert_eq!(statuses.get(&400), Some(&60));
    assert_eq!(statuses.get(&429), Some(&940));
    // Ten refusals and one throttled entry from the flooding address, one from each other.
    assert!(entries.len() <= 11 + 50, "{} entries", entries.len());
    for n in 10..60u8 {
        let source = format!("\"127.0.2.{n}\"");
        assert!(
            entries.iter().any(|e| e.payload.contains(&source)),
            "{source}"
        );
    }
}

/// Desk JSON bodies are capped at 1 MiB: 413 naming the limit, nothing stored.
#[tokio::test]
async fn desk_bodies_are_bounded() {
    let s = setup(ClientAddresses::default()).await;
    let token = s
        .store
        .create_token(TokenOwner::Platform, TokenKind::Admin, "ops")
        .await
        .unwrap();
    let bearer = format!("Bearer {}", token.secret);
    let body = json!({"tenant": 1, "title": "x".repeat(2 << 20)}).to_string();
    let r = post(
        &s.app,
        "/api/v1/incidents",
        body.into_bytes(),
        "127.0.0.1",
        &[("authorization", &bearer)],
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("1048576 bytes"),
        "{}",
        r.body
    );
    // Under the body limit, over the title's: 400 naming the field and its limit.
    let body = json!({"tenant": 1, "title": "x".repeat(600)}).to_string();
    let r = post(
        &s.app,
        "/api/v1/incidents",
        body.into_bytes(),
        "127.0.0.1",
        &[("authorization", &bearer)],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let message = r.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("incident title") && message.contains("512 bytes"),
        "{message}"
    );
}

/// Behind a trusted proxy the audited (and throttled) address is the forwarded one; from
/// any other peer the header is ignored.
#[tokio::test]
async fn the_client_address_behind_a_trusted_proxy() {
    let clients = ClientAddresses::new(
        vec!["10.0.0.0/8".parse().unwrap()],
        ForwardedHeader::XForwardedFor,
    );
    let s = setup(clients).await;
    let forged = [("x-forwarded-for", "198.51.100.66, 203.0.113.9")];
    let via_proxy = post(
        &s.app,
        "/api/v1/auth/login",
        login_body("nobody", "guess"),
        "10.0.0.2",
        &forged,
    )
    .await;
    assert_eq!(via_proxy.status, StatusCode::UNAUTHORIZED);
    let direct = post(
        &s.app,
        "/api/v1/auth/login",
        login_body("nobody", "guess"),
        "192.0.2.7",
        &forged,
    )
    .await;
    assert_eq!(direct.status, StatusCode::UNAUTHORIZED);
    let sources: Vec<String> = s
        .store
        .audit_entries(0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "login.failure")
        .map(|e| {
            let payload: Value = serde_json::from_str(&e.payload).unwrap();
            payload["source"].as_str().unwrap_or_default().to_owned()
        })
        .collect();
    assert_eq!(sources, ["203.0.113.9", "192.0.2.7"]);
}
