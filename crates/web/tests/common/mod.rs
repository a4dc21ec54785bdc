//! The harness the web tests share: the whole router on a real SQLite file and a real WAL in a
//! temporary directory, driven without a socket (`tower::ServiceExt::oneshot`), with helpers
//! to make tenants, tokens and users, send a request as a given caller and log in.
//!
//! Each test file that uses it declares `mod common;`; not every file uses every helper.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use vigie_soc::prelude::*;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use vigie_access::Access;
use vigie_access::NewUser;
use vigie_access::throttle::{Throttle, ThrottleConfig};
use vigie_access::{Role, TokenKind, TokenOwner};
use vigie_event::{TenantId, TenantSlug};
use vigie_ingest::{Intake, IntakeConfig};
use vigie_log::{Wal, WalConfig};
use vigie_soc::{Actor, SqliteStore};
use vigie_web::{AppState, WebConfig, router};

/// The password of every user the helpers create.
pub(crate) const PASSWORD: &str = "a long enough password";

/// The `Host` every request names (and the `Origin` of same-site requests).
pub(crate) const HOST: &str = "127.0.0.1:8470";

/// The log consumer whose position the intake's backlog is counted from.
pub(crate) const DETECT: &str = "detect";

/// What varies between the tests' servers.
#[derive(Clone)]
pub(crate) struct Options {
    /// `[ingest] max_backlog_events`.
    pub(crate) max_backlog: u64,
    /// The login throttle.
    pub(crate) throttle: ThrottleConfig,
    /// The HTTP intake's limits.
    pub(crate) web: WebConfig,
    /// The metrics `GET /metrics` renders (none: it answers 404 to a platform token).
    pub(crate) metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_backlog: 1000,
            throttle: ThrottleConfig::default(),
            web: WebConfig {
                max_body_bytes: 1 << 20,
                max_decoded_bytes: 1 << 20,
                max_line_bytes: 1 << 10,
            },
            metrics: None,
        }
    }
}

/// A server without a socket: its state, the files under it, and no pipeline (the log's
/// backlog moves only when a test commits).
pub(crate) struct World {
    /// The whole application.
    pub(crate) app: axum::Router,
    /// Its state (for tests that build the router themselves, with extensions).
    pub(crate) state: AppState,
    /// The state database.
    pub(crate) store: Arc<SqliteStore>,
    /// The durable log the intake appends to.
    pub(crate) log: Arc<Wal>,
    /// Holds the files until the test ends.
    pub(crate) dir: tempfile::TempDir,
}

/// A fresh server in a new temporary directory.
pub(crate) async fn world(options: Options) -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        SqliteStore::open(&dir.path().join("state.sqlite"))
            .await
            .unwrap(),
    );
    let log = Arc::new(
        Wal::open(WalConfig {
            dir: dir.path().join("wal"),
            consumers: vec![DETECT.to_owned()],
            ..WalConfig::default()
        })
        .unwrap(),
    );
    let intake = Intake::new(
        log.clone(),
        IntakeConfig {
            max_backlog: options.max_backlog,
            retry_after: Duration::from_secs(1),
            consumer: DETECT.to_owned(),
        },
    );
    let state = AppState::new(
        Access::with_throttle(store.clone(), Throttle::new(options.throttle)),
        store.clone(),
        intake,
        options.metrics,
        options.web,
    );
    World {
        app: router(state.clone()),
        state,
        store,
        log,
        dir,
    }
}

impl World {
    /// Onboards a tenant.
    pub(crate) async fn tenant(&self, slug: &str, name: &str) -> TenantId {
        self.store
            .create_tenant(&TenantSlug::new(slug).unwrap(), name)
            .await
            .unwrap()
            .id
    }

    /// A tenant or platform token; returns (its id, its secret).
    pub(crate) async fn token(
        &self,
        owner: TokenOwner,
        kind: TokenKind,
        label: &str,
    ) -> (vigie_access::TokenId, String) {
        let created = self.store.create_token(owner, kind, label).await.unwrap();
        (created.info.id, created.secret)
    }

    /// A desk user with [`PASSWORD`]; returns its id.
    pub(crate) async fn user(
        &self,
        name: &str,
        role: Role,
        tenants: &[TenantId],
    ) -> vigie_access::UserId {
        let platform = Access::new(self.store.clone()).operator_scope();
        self.store
            .add_user(
                &Actor::operator(),
                &platform,
                &NewUser {
                    username: name.to_owned(),
                    password: PASSWORD.to_owned(),
                    role,
                    tenants: tenants.to_vec(),
                },
            )
            .await
            .unwrap()
            .id
    }
}

/// Who sends a request, and how.
#[derive(Clone, Debug, Default)]
pub(crate) struct Call {
    /// The session cookie's value.
    pub(crate) cookie: Option<String>,
    /// The session's CSRF token: sent as `X-CSRF-Token` on the desk API and as the `csrf`
    /// field of web forms.
    pub(crate) csrf: Option<String>,
    /// A token sent as `Authorization: Bearer …`.
    pub(crate) bearer: Option<String>,
    /// A whole `Authorization` header value (Elasticsearch clients' `Basic`/`ApiKey`).
    pub(crate) authorization: Option<String>,
    /// An `Origin` header (same-site requests send [`HOST`]'s).
    pub(crate) origin: Option<String>,
    /// The client address (default 127.0.0.1).
    pub(crate) ip: Option<&'static str>,
    /// An `Accept` header (`text/html` for a browser).
    pub(crate) accept: Option<&'static str>,
}

impl Call {
    /// A caller presenting `token` as a bearer token.
    pub(crate) fn bearer(token: &str) -> Call {
        Call {
            bearer: Some(token.to_owned()),
            ..Call::default()
        }
    }
}

/// A request body.
#[derive(Clone, Debug)]
pub(crate) enum Payload {
    /// No body.
    None,
    /// `application/json`.
    Json(Value),
    /// `application/x-www-form-urlencoded`, sent from this site (`Origin`); the caller's CSRF
    /// token is added as the `csrf` field.
    Form(String),
    /// Bytes of the given content type, as they are.
    Raw(&'static str, Vec<u8>),
}

/// One HTTP exchange.
pub(crate) struct Reply {
    /// Status.
    pub(crate) status: StatusCode,
    /// Headers.
    pub(crate) headers: HeaderMap,
    /// The body as sent.
    pub(crate) bytes: Vec<u8>,
}

impl Reply {
    /// The body as text (lossy).
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// The body as JSON (`null` when it is not JSON).
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }

    /// The `Location` header, if any.
    pub(crate) fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// Percent-encodes a form value.
pub(crate) fn form_encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char);
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Sends one request through the router as `call`.
pub(crate) async fn send(
    app: &axum::Router,
    method: Method,
    uri: &str,
    payload: &Payload,
    call: &Call,
) -> Reply {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, HOST);
    if let Some(cookie) = &call.cookie {
        req = req.header(header::COOKIE, format!("__Host-vigie_session={cookie}"));
    }
    if let Some(csrf) = &call.csrf {
        req = req.header("x-csrf-token", csrf);
    }
    if let Some(accept) = call.accept {
        req = req.header(header::ACCEPT, accept);
    }
    if let Some(bearer) = &call.bearer {
        req = req.header(header::AUTHORIZATION, format!("Bearer {bearer}"));
    } else if let Some(value) = &call.authorization {
        req = req.header(header::AUTHORIZATION, value);
    }
    let body = match payload {
        Payload::None => Body::empty(),
        Payload::Json(value) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(value.to_string())
        }
        Payload::Form(fields) => {
            let origin = call.origin.clone().unwrap_or(format!("http://{HOST}"));
            req = req
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ORIGIN, origin);
            let csrf = call.csrf.as_deref().map(form_encode).unwrap_or_default();
            Body::from(if fields.is_empty() {
                format!("csrf={csrf}")
            } else {
                format!("{fields}&csrf={csrf}")
            })
        }
        Payload::Raw(content_type, bytes) => {
            req = req.header(header::CONTENT_TYPE, *content_type);
            Body::from(bytes.clone())
        }
    };
    if !matches!(payload, Payload::Form(_))
        && let Some(origin) = &call.origin
    {
        req = req.header(header::ORIGIN, origin);
    }
    let mut req = req.body(body).unwrap();
    let ip = call.ip.unwrap_or("127.0.0.1");
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::new(ip.parse().unwrap(), 40000)));
    let response = app.clone().oneshot(req).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        bytes: bytes.to_vec(),
    }
}

/// Logs `user` in through `POST /api/v1/auth/login`: a caller with the session cookie and
/// its CSRF token (good for the desk API and, as the `csrf` field, for web forms).
pub(crate) async fn session(app: &axum::Router, user: &str) -> Call {
    let reply = send(
        app,
        Method::POST,
        "/api/v1/auth/login",
        &Payload::Json(json!({"username": user, "password": PASSWORD})),
        &Call::default(),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "login of {user}: {}",
        reply.text()
    );
    let set = reply
        .headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let cookie = set
        .strip_prefix("__Host-vigie_session=")
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("no session cookie in {set:?}"))
        .to_owned();
    Call {
        cookie: Some(cookie),
        csrf: reply.json()["csrf_token"].as_str().map(str::to_owned),
        ..Call::default()
    }
}
