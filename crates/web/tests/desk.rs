//! The SOC desk API driven in-process (`tower::ServiceExt::oneshot`) on a real SQLite file:
//! sessions (RELIABILITY A2), CSRF and cookies (A3), login throttling (A1), the desk flow
//! from alert to incident, the OpenAPI document against the router, and the tenant-isolation
//! matrix generated from that document.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use vigie_soc::prelude::*;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use vigie_access::Access;
use vigie_access::NewUser;
use vigie_access::throttle::{Throttle, ThrottleConfig};
use vigie_access::{Role, TokenKind, TokenOwner};
use vigie_event::{EventId, Severity, TenantId, TenantSlug};
use vigie_ingest::{Intake, IntakeConfig};
use vigie_log::{Wal, WalConfig};
use vigie_soc::{Actor, NewAlert, SqliteStore};
use vigie_web::{AppState, WebConfig, router};

const PASSWORD: &str = "a long enough password";

struct Desk {
    app: axum::Router,
    store: Arc<SqliteStore>,
    a: TenantId,
    b: TenantId,
    _dir: tempfile::TempDir,
}

async fn desk_with(throttle: ThrottleConfig) -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        SqliteStore::open(&dir.path().join("state.sqlite"))
            .await
            .unwrap(),
    );
    let a = store
        .create_tenant(&TenantSlug::new("zone-a").unwrap(), "Zone A")
        .await
        .unwrap()
        .id;
    let b = store
        .create_tenant(&TenantSlug::new("zone-b").unwrap(), "Zone B")
        .await
        .unwrap()
        .id;
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
        Access::with_throttle(store.clone(), Throttle::new(throttle)),
        store.clone(),
        intake,
        None,
        WebConfig {
            max_body_bytes: 1 << 20,
            max_decoded_bytes: 1 << 20,
            max_line_bytes: 1 << 10,
        },
    );
    Desk {
        app: router(state),
        store,
        a,
        b,
        _dir: dir,
    }
}

async fn desk() -> Desk {
    desk_with(ThrottleConfig::default()).await
}

impl Desk {
    async fn user(&self, name: &str, role: Role, tenants: &[TenantId]) -> vigie_access::UserId {
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

    async fn alert(&self, tenant: TenantId, n: u128, event: Value) -> String {
        let alert = NewAlert {
            tenant,
            rule_id: format!("rule-{}", n % 3),
            rule_title: "Many failed logons".into(),
            severity: Severity::High,
            event_id: EventId(n),
            event_received_at: jiff::Timestamp::now(),
            event,
            group_key: None,
        };
        let id = alert.id();
        self.store.insert_alerts(&[alert]).await.unwrap();
        id
    }
}

/// One HTTP exchange.
struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Value,
    empty: bool,
}

#[derive(Clone, Default)]
struct Call {
    cookie: Option<String>,
    csrf: Option<String>,
    bearer: Option<String>,
    origin: Option<String>,
    ip: Option<&'static str>,
    content_type: Option<&'static str>,
}

async fn send(
    app: &axum::Router,
    method: Method,
    uri: &str,
    body: Option<Value>,
    c: &Call,
) -> Reply {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, "127.0.0.1:8470");
    if let Some(cookie) = &c.cookie {
        req = req.header(header::COOKIE, format!("__Host-vigie_session={cookie}"));
    }
    if let Some(csrf) = &c.csrf {
        req = req.header("x-csrf-token", csrf);
    }
    if let Some(bearer) = &c.bearer {
        req = req.header(header::AUTHORIZATION, format!("Bearer {bearer}"));
    }
    if let Some(origin) = &c.origin {
        req = req.header(header::ORIGIN, origin);
    }
    let body = match body {
        Some(v) => {
            req = req.header(
                header::CONTENT_TYPE,
                c.content_type.unwrap_or("application/json"),
            );
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let mut req = req.body(body).unwrap();
    let ip = c.ip.unwrap_or("127.0.0.1");
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::new(ip.parse().unwrap(), 40000)));
    let response = app.clone().oneshot(req).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
        empty: bytes.is_empty(),
    }
}

fn cookie_of(reply: &Reply) -> Option<(String, String)> {
    let set = reply
        .headers
        .get(header::SET_COOKIE)?
        .to_str()
        .ok()?
        .to_owned();
    let value = set
        .strip_prefix("__Host-vigie_session=")?
        .split(';')
        .next()?
        .to_owned();
    Some((value, set))
}

async fn login_from(app: &axum::Router, user: &str, password: &str, ip: &'static str) -> Reply {
    send(
        app,
        Method::POST,
        "/api/v1/auth/login",
        Some(json!({"username": user, "password": password})),
        &Call {
            ip: Some(ip),
            ..Call::default()
        },
    )
    .await
}

async fn session(app: &axum::Router, user: &str) -> Call {
    let reply = login_from(app, user, PASSWORD, "127.0.0.1").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let (cookie, _) = cookie_of(&reply).unwrap();
    Call {
        cookie: Some(cookie),
        csrf: reply.body["csrf_token"].as_str().map(str::to_owned),
        ..Call::default()
    }
}

async fn me(app: &axum::Router, call: &Call) -> StatusCode {
    send(app, Method::GET, "/api/v1/auth/me", None, call)
        .await
        .status
}

// ---- A2: session lifecycle ----------------------------------------------------------------

#[tokio::test]
async fn sessions_are_new_at_every_login_and_end_server_side() {
    let d = desk().await;
    let id = d.user("ana", Role::Analyst, &[d.a]).await;

    // Cookie attributes.
    let first = login_from(&d.app, "ana", PASSWORD, "127.0.0.1").await;
    assert_eq!(first.status, StatusCode::OK);
    let (one, set) = cookie_of(&first).unwrap();
    for attr in ["Path=/", "Secure", "HttpOnly", "SameSite=Strict"] {
        assert!(set.contains(attr), "{set} lacks {attr}");
    }
    assert!(!set.contains("Domain"), "{set}");
    // 256 bits from the CSPRNG, hex.
    assert_eq!(one.len(), 4 + 64);
    let one_call = Call {
        cookie: Some(one.clone()),
        csrf: first.body["csrf_token"].as_str().map(str::to_owned),
        ..Call::default()
    };
    assert_eq!(me(&d.app, &one_call).await, StatusCode::OK);

    // Logging in again while presenting the old cookie: new id, old one dead.
    let second = send(
        &d.app,
        Method::POST,
        "/api/v1/auth/login",
        Some(json!({"username": "ana", "password": PASSWORD})),
        &Call {
            cookie: Some(one.clone()),
            ..Call::default()
        },
    )
    .await;
    let (two, _) = cookie_of(&second).unwrap();
    assert_ne!(one, two);
    assert_ne!(first.body["csrf_token"], second.body["csrf_token"]);
    assert_eq!(me(&d.app, &one_call).await, StatusCode::UNAUTHORIZED);
    let two_call = Call {
        cookie: Some(two.clone()),
        csrf: second.body["csrf_token"].as_str().map(str::to_owned),
        ..Call::default()
    };
    assert_eq!(me(&d.app, &two_call).await, StatusCode::OK);

    // Logout ends it server-side: replaying the cookie fails.
    let out = send(&d.app, Method::POST, "/api/v1/auth/logout", None, &two_call).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(cookie_of(&out).unwrap().1.contains("Max-Age=0"));
    assert_eq!(me(&d.app, &two_call).await, StatusCode::UNAUTHORIZED);

    // Disabling the account ends every session of it.
    let three = session(&d.app, "ana").await;
    let four = session(&d.app, "ana").await;
    assert_eq!(me(&d.app, &three).await, StatusCode::OK);
    d.user("root", Role::PlatformAdmin, &[]).await;
    let admin = session(&d.app, "root").await;
    let r = send(
        &d.app,
        Method::POST,
        &format!("/api/v1/users/{id}/disable"),
        None,
        &admin,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(me(&d.app, &three).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&d.app, &four).await, StatusCode::UNAUTHORIZED);
    // And the disabled user cannot log in, with the same answer as a wrong password.
    let refused = login_from(&d.app, "ana", PASSWORD, "127.0.0.1").await;
    let wrong = login_from(&d.app, "root", "not the password", "127.0.0.1").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.body, wrong.body);

    // Malformed and forged cookies.
    for bad in ["x", "vgs_zz", &format!("vgs_{}", "0".repeat(64))] {
        let call = Call {
            cookie: Some(bad.to_owned()),
            ..Call::default()
        };
        assert_eq!(me(&d.app, &call).await, StatusCode::UNAUTHORIZED, "{bad}");
    }
}

#[tokio::test]
async fn login_answers_do_not_tell_users_apart() {
    let d = desk().await;
    d.user("ana", Role::Analyst, &[d.a]).await;
    let known = login_from(&d.app, "ana", "wrong password!", "127.0.0.2").await;
    let unknown = login_from(&d.app, "nobody", "wrong password!", "127.0.0.3").await;
    assert_eq!(known.status, StatusCode::UNAUTHORIZED);
    assert_eq!(known.status, unknown.status);
    assert_eq!(known.body, unknown.body);
    assert!(known.headers.get(header::SET_COOKIE).is_none());
    // Every attempt is in the audit log.
    let entries = d.store.audit_entries(0, 1000).await.unwrap();
    let failures = entries
        .iter()
        .filter(|e| e.action == "login.failure")
        .count();
    assert_eq!(failures, 2);
}

// ---- A1: throttling ------------------------------------------------------------------------

#[tokio::test]
async fn account_throttling_after_ten_failures_without_locking_out_for_good() {
    let d = desk_with(ThrottleConfig {
        max_delay: Duration::from_secs(2),
        ..ThrottleConfig::default()
    })
    .await;
    d.user("ana", Role::Analyst, &[d.a]).await;
    // Ten failures of one account from one address: that address waits.
    for _ in 0..10 {
        let r = login_from(&d.app, "ana", "guess", "127.0.0.10").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = login_from(&d.app, "ana", PASSWORD, "127.0.0.10").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert_eq!(r.body["error"]["kind"], "throttled");
    assert!(r.headers.get(header::RETRY_AFTER).is_some());
    // An unknown account is throttled the same way (no enumeration by throttling).
    for _ in 0..10 {
        login_from(&d.app, "ghost", "guess", "127.0.0.11").await;
    }
    let ghost = login_from(&d.app, "ghost", "guess", "127.0.0.11").await;
    assert_eq!(ghost.status, StatusCode::TOO_MANY_REQUESTS);
    // The attacker's address does not lock the account: the real user gets in from its own
    // address at once, and from the throttled one after the delay.
    let r = login_from(&d.app, "ana", PASSWORD, "127.0.0.12").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = login_from(&d.app, "ana", PASSWORD, "127.0.0.10").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Ten entries a minute per address; the throttled attempts past them are counted in
    // the minute's `login.suppressed` summary (vigie_access::login_audit).
    let audit = d.store.audit_entries(0, 1000).await.unwrap();
    let count = |action: &str| audit.iter().filter(|e| e.action == action).count();
    assert_eq!(count("login.failure"), 20);
    assert_eq!(count("login.success"), 2);
}

#[tokio::test]
async fn source_throttling_per_address() {
    let d = desk_with(ThrottleConfig {
        per_source_per_minute: 5,
        ..ThrottleConfig::default()
    })
    .await;
    d.user("ana", Role::Analyst, &[d.a]).await;
    for n in 0..5 {
        let r = login_from(&d.app, &format!("user{n}"), "guess", "127.0.0.50").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = login_from(&d.app, "ana", PASSWORD, "127.0.0.50").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // The real user from elsewhere is not affected.
    let r = login_from(&d.app, "ana", PASSWORD, "127.0.0.51").await;
    assert_eq!(r.status, StatusCode::OK);
}

// ---- A3: CSRF, origin, headers ---------------------------------------------------------------

fn openapi() -> Value {
    serde_json::from_str(vigie_web::api::openapi::DOCUMENT).unwrap()
}

/// Every (path, method, operation) of the document.
fn operations(doc: &Value) -> Vec<(String, Method, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((
                path.clone(),
                method.to_uppercase().parse::<Method>().unwrap(),
                op.clone(),
            ));
        }
    }
    out
}

fn is_desk(op: &Value) -> bool {
    op.get("x-vigie-permission").is_some()
}

#[tokio::test]
async fn every_state_changing_desk_route_refuses_forged_requests() {
    let d = desk().await;
    d.user("root", Role::PlatformAdmin, &[]).await;
    let good = session(&d.app, "root").await;
    let before = d.store.audit_head().await.unwrap().0;
    let mut probed = 0;
    for (path, method, op) in operations(&openapi()) {
        if !is_desk(&op) || method == Method::GET {
            continue;
        }
        let uri = path
            .replace("{id}", "1")
            .replace("{task}", "1")
            .replace("{stage}", "early_warning");
        let body = op["requestBody"]["content"]["application/json"]["example"].clone();
        let body = (!body.is_null()).then_some(body);
        let no_token = Call {
            csrf: None,
            ..good.clone()
        };
        let foreign = Call {
            origin: Some("http://127.0.0.2:8470".into()),
            ..good.clone()
        };
        let text_plain = Call {
            csrf: None,
            content_type: Some("text/plain"),
            ..good.clone()
        };
        for (case, call) in [
            ("no token", &no_token),
            ("foreign origin", &foreign),
            ("text/plain", &text_plain),
        ] {
            let r = send(&d.app, method.clone(), &uri, body.clone(), call).await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{method} {path} {case}: {}",
                r.body
            );
            assert_eq!(r.body["error"]["kind"], "csrf", "{method} {path} {case}");
        }
        probed += 1;
    }
    assert!(probed >= 15, "only {probed} state-changing routes probed");
    // Nothing changed but the audit entries of the refusals (3 per route).
    let after = d.store.audit_head().await.unwrap().0;
    let entries = d.store.audit_entries(before, 10_000).await.unwrap();
    assert_eq!(after - before, 3 * probed);
    assert!(entries.iter().all(|e| e.action == "authz.denied"));
    // The session still works and headers are set on every answer.
    let r = send(&d.app, Method::GET, "/api/v1/auth/me", None, &good).await;
    assert_eq!(r.status, StatusCode::OK);
    for name in [
        "x-content-type-options",
        "content-security-policy",
        "x-frame-options",
    ] {
        assert!(r.headers.get(name).is_some(), "{name}");
    }
    let csp = r.headers["content-security-policy"].to_str().unwrap();
    for part in ["object-src 'none'", "base-uri 'none'", "frame-ancestors"] {
        assert!(csp.contains(part), "{csp}");
    }
}

// ---- OpenAPI document against the router ----------------------------------------------------

#[tokio::test]
async fn openapi_document_matches_the_router() {
    let d = desk().await;
    let served = send(
        &d.app,
        Method::GET,
        "/api/v1/openapi.json",
        None,
        &Call::default(),
    )
    .await;
    assert_eq!(served.status, StatusCode::OK);
    let file: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/openapi.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        served.body, file,
        "served document differs from docs/openapi.json"
    );
    assert_eq!(file["openapi"], "3.0.3");
    let all = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    ];
    for (path, item) in file["paths"].as_object().unwrap() {
        let uri = path
            .replace("{id}", "1")
            .replace("{task}", "1")
            .replace("{stage}", "early_warning");
        for method in &all {
            let documented = item.get(method.as_str().to_lowercase()).is_some();
            let r = send(&d.app, method.clone(), &uri, None, &Call::default()).await;
            if documented {
                assert!(
                    r.status != StatusCode::METHOD_NOT_ALLOWED
                        && !(r.status == StatusCode::NOT_FOUND && r.empty),
                    "{method} {path} is documented but not routed ({})",
                    r.status
                );
            } else {
                assert_eq!(
                    r.status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} is routed but not documented"
                );
            }
        }
    }
}

// ---- The desk flow ----------------------------------------------------------------------------

#[tokio::test]
async fn alert_to_incident_with_timeline_observables_sla_and_audit() {
    let d = desk().await;
    d.user("lead", Role::SocLead, &[d.a]).await;
    let lead_id = d.user("ana", Role::Analyst, &[d.a]).await;
    d.user("client", Role::TenantUser, &[d.a]).await;
    let alert = d
        .alert(
            d.a,
            1,
            json!({"source.ip": "10.0.0.5", "host": {"name": "ws-12"}}),
        )
        .await;
    let ana = session(&d.app, "ana").await;
    let lead = session(&d.app, "lead").await;
    let client = session(&d.app, "client").await;

    let r = send(
        &d.app,
        Method::PUT,
        &format!("/api/v1/tenants/{}/sla", d.a.0),
        Some(json!({"calendar": "24x7", "targets": {"high": {"acknowledge_minutes": 30, "resolve_minutes": 480}}})),
        &lead,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let r = send(
        &d.app,
        Method::POST,
        &format!("/api/v1/alerts/{alert}/actions"),
        Some(json!({"action": "escalate"})),
        &ana,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "escalated");
    let incident = r.body["incident"].as_i64().unwrap();

    let patch = |body: Value| {
        let app = d.app.clone();
        let ana = ana.clone();
        async move {
            send(
                &app,
                Method::PATCH,
                &format!("/api/v1/incidents/{incident}"),
                Some(body),
                &ana,
            )
            .await
        }
    };
    assert_eq!(
        patch(json!({"status": "acknowledged", "assignee": lead_id}))
            .await
            .status,
        StatusCode::OK
    );
    let r = patch(json!({"rsit_class": "intrusions", "rsit_type": "spam"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("spam")
    );
    assert_eq!(
        patch(json!({"rsit_class": "intrusion-attempts", "rsit_type": "brute-force", "tlp": "TLP:AMBER+STRICT"})).await.status,
        StatusCode::OK
    );
    assert_eq!(
        patch(json!({"status": "on_hold"})).await.status,
        StatusCode::OK
    );
    assert_eq!(
        patch(json!({"status": "resolved"})).await.status,
        StatusCode::OK
    );
    let r = patch(json!({"status": "new"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "no way back to new");
    assert_eq!(
        patch(json!({"status": "in_progress"})).await.status,
        StatusCode::OK,
        "reopen"
    );

    // The client may comment but not change the incident.
    let r = send(
        &d.app,
        Method::POST,
        &format!("/api/v1/incidents/{incident}/comments"),
        Some(json!({"body": "We rebooted ws-12."})),
        &client,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = send(
        &d.app,
        Method::PATCH,
        &format!("/api/v1/incidents/{incident}"),
        Some(json!({"status": "closed"})),
        &client,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The analyst's note is internal by default; a client cannot write one.
    let r = send(
        &d.app,
        Method::POST,
        &format!("/api/v1/incidents/{incident}/comments"),
        Some(json!({"body": "Client's admin is slow to answer."})),
        &ana,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = send(
        &d.app,
        Method::POST,
        &format!("/api/v1/incidents/{incident}/comments"),
        Some(json!({"body": "x", "visibility": "internal"})),
        &client,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.to_string().contains("visibility"), "{}", r.body);
    let staff_view = send(
        &d.app,
        Method::GET,
        &format!("/api/v1/incidents/{incident}"),
        None,
        &ana,
    )
    .await;
    let visibilities: Vec<(&str, &str)> = staff_view.body["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["body"].as_str().unwrap(),
                c["visibility"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        visibilities,
        [
            ("We rebooted ws-12.", "shared"),
            ("Client's admin is slow to answer.", "internal")
        ]
    );

    let page = send(
        &d.app,
        Method::GET,
        &format!("/api/v1/incidents/{incident}"),
        None,
        &client,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    assert!(
        !body.to_string().contains("slow to answer"),
        "the client reads no internal note: {body}"
    );
    assert_eq!(body["comments"].as_array().unwrap().len(), 1);
    assert_eq!(body["incident"]["tlp"], "TLP:AMBER+STRICT");
    assert_eq!(body["incident"]["status"], "in_progress");
    assert_eq!(body["alert_count"], 1);
    let obs: Vec<(String, String)> = body["observables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["kind"].as_str().unwrap().into(),
                o["value"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(obs.contains(&("ip".into(), "10.0.0.5".into())), "{obs:?}");
    assert!(obs.contains(&("host".into(), "ws-12".into())), "{obs:?}");
    let kinds: Vec<&str> = body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for k in [
        "created",
        "alert_linked",
        "status",
        "assignee",
        "rsit",
        "tlp",
        "comment",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    let clocks = body["sla"].as_array().unwrap();
    assert_eq!(clocks.len(), 2);
    assert_eq!(clocks[0]["kind"], "acknowledge");
    assert_eq!(clocks[0]["met"], true);

    // Lists: filter and sort.
    let r = send(
        &d.app,
        Method::GET,
        "/api/v1/incidents?status=in_progress&sort=severity&limit=5",
        None,
        &client,
    )
    .await;
    assert_eq!(r.body["incidents"].as_array().unwrap().len(), 1);
    let r = send(
        &d.app,
        Method::GET,
        "/api/v1/incidents?status=closed",
        None,
        &client,
    )
    .await;
    assert_eq!(r.body["incidents"].as_array().unwrap().len(), 0);
    let r = send(
        &d.app,
        Method::GET,
        "/api/v1/incidents?status=bogus",
        None,
        &client,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("bogus")
    );

    // False positive feeds the rule's statistics.
    let other = d.alert(d.a, 4, json!({})).await;
    let r = send(
        &d.app,
        Method::POST,
        &format!("/api/v1/alerts/{other}/actions"),
        Some(json!({"action": "close_false_positive", "reason": ""})),
        &ana,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = send(
        &d.app,
        Method::POST,
        &format!("/api/v1/alerts/{other}/actions"),
        Some(json!({"action": "close_false_positive", "reason": "backup job"})),
        &ana,
    )
    .await;
    assert_eq!(r.body["status"], "false_positive");
    let stats = send(&d.app, Method::GET, "/api/v1/rule-stats", None, &ana).await;
    let rule1 = stats
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["rule_id"] == "rule-1")
        .unwrap()
        .clone();
    assert_eq!(rule1["false_positives"], 1);
    assert_eq!(rule1["escalated"], 1);

    // Every change is one audit entry and the chain verifies.
    let entries = d.store.audit_entries(0, 10_000).await.unwrap();
    let updates = entries
        .iter()
        .filter(|e| e.action == "incident.update")
        .count();
    assert_eq!(updates, 5);
    let key = ed25519_free_verify(&entries);
    assert!(key, "chain does not verify");
}

/// Verifies the chain links alone (the checkpoint part is tested in the CLI and soc tests).
fn ed25519_free_verify(entries: &[vigie_access::audit::AuditEntry]) -> bool {
    let mut prev = vigie_access::audit::GENESIS;
    for (n, e) in entries.iter().enumerate() {
        if e.seq != n as i64 + 1 || e.prev_hash != prev || e.recomputed_hash() != e.hash {
            return false;
        }
        prev = e.hash;
    }
    true
}

// ---- Tenant isolation matrix ------------------------------------------------------------------

/// The objects of one tenant that a request can name.
#[derive(Clone, Debug)]
struct Objects {
    tenant: i64,
    incident: vigie_soc::IncidentId,
    incident2: vigie_soc::IncidentId,
    alert: String,
    alert2: String,
    user: vigie_access::UserId,
    suppression: vigie_soc::SuppressionId,
    task: vigie_soc::TaskId,
    /// An API token of the tenant's member (someone else's token for every caller).
    token: vigie_access::UserTokenId,
    /// A dead notification of the tenant (the notification log's dead letters).
    notification: vigie_soc::notify::NotificationId,
}

async fn objects(d: &Desk, tenant: TenantId, base: u128) -> Objects {
    let platform = Access::new(d.store.clone()).operator_scope();
    let actor = Actor::operator();
    let alert = d
        .alert(tenant, base, json!({"source.ip": "10.1.1.1"}))
        .await;
    let alert2 = d.alert(tenant, base + 1, json!({})).await;
    let alert3 = d.alert(tenant, base + 2, json!({})).await;
    let mk = |alerts: Vec<String>| vigie_soc::desk::NewIncident {
        tenant,
        title: "Seed".into(),
        severity: None,
        rsit_class: None,
        rsit_type: None,
        tlp: None,
        alerts,
    };
    let incident = d
        .store
        .create_incident(&actor, &platform, &mk(vec![alert3, alert2.clone()]))
        .await
        .unwrap()
        .id;
    let incident2 = d
        .store
        .create_incident(&actor, &platform, &mk(vec![]))
        .await
        .unwrap()
        .id;
    let task = d
        .store
        .add_task(&actor, &platform, incident, "Seed task")
        .await
        .unwrap()
        .unwrap()
        .id;
    let suppression = d
        .store
        .add_suppression(
            &actor,
            &platform,
            &vigie_soc::desk::NewSuppression {
                tenant,
                rule_id: "rule-z".into(),
                group_key: None,
                reason: "seed".into(),
                expires_at: "2099-01-01T00:00:00Z".parse().unwrap(),
            },
        )
        .await
        .unwrap()
        .id;
    let user = d
        .user(&format!("member-{}", tenant.0), Role::TenantUser, &[tenant])
        .await;
    let token = d
        .store
        .create_user_token(
            &Actor::user("member"),
            user,
            &vigie_access::token::NewUserToken {
                label: "seed".into(),
                permissions: vec![vigie_access::Permission::ReadDesk],
                tenants: None,
                expires_at: None,
            },
        )
        .await
        .unwrap()
        .token
        .id;
    Objects {
        tenant: tenant.0,
        incident,
        incident2,
        alert,
        alert2,
        user,
        suppression,
        task,
        token,
        notification: dead_notification(d, tenant, incident).await,
    }
}

/// A notification of `tenant` about `incident`, queued, claimed and given up.
async fn dead_notification(
    d: &Desk,
    tenant: TenantId,
    incident: vigie_soc::IncidentId,
) -> vigie_soc::notify::NotificationId {
    use vigie_soc::notify::{Channel, Delivery, NewNotification, NotifyEvent};
    let now = jiff::Timestamp::now();
    let dedup = format!("alert:{incident}:to:soc");
    d.store
        .enqueue_notifications(
            &[NewNotification {
                dedup: dedup.clone(),
                tenant: Some(tenant),
                incident: Some(incident),
                event: NotifyEvent::Alert,
                channel: Channel::Email,
                recipient: "soc".into(),
                address: "soc@soc.example".into(),
                client: false,
                language: "en".into(),
                subject: "Alert".into(),
                body: "An alert".into(),
                subject_ref: None,
                team: None,
                level: 0,
                due_at: now,
            }],
            now,
        )
        .await
        .unwrap();
    let claimed = d
        .store
        .claim_notifications(now, std::time::Duration::from_secs(60), 100)
        .await
        .unwrap();
    let id = claimed.iter().find(|n| n.dedup == dedup).unwrap().id;
    d.store
        .finish_notification(
            id,
            &Delivery::Dead {
                error: "550 no such user".into(),
            },
            now,
        )
        .await
        .unwrap();
    id
}

fn unknown() -> Objects {
    Objects {
        tenant: 999_999,
        incident: vigie_soc::IncidentId(999_999),
        incident2: vigie_soc::IncidentId(999_998),
        alert: "f".repeat(32),
        alert2: "e".repeat(32),
        user: vigie_access::UserId(999_999),
        suppression: vigie_soc::SuppressionId(999_999),
        task: vigie_soc::TaskId(999_999),
        token: vigie_access::UserTokenId(999_999),
        notification: vigie_soc::notify::NotificationId(999_999),
    }
}

fn fill(value: &Value, o: &Objects, n: usize) -> Value {
    match value {
        Value::String(s) => match s.as_str() {
            "$tenant" => json!(o.tenant),
            "$incident2" => json!(o.incident2),
            "$alert2" => json!(o.alert2),
            "$newname" => json!(format!("new-user-{n}")),
            _ => value.clone(),
        },
        Value::Array(a) => Value::Array(a.iter().map(|v| fill(v, o, n)).collect()),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), fill(v, o, n))).collect())
        }
        other => other.clone(),
    }
}

fn uri(path: &str, o: &Objects) -> String {
    let id = if path.starts_with("/api/v1/alerts/") {
        o.alert.clone()
    } else if path.starts_with("/api/v1/users/") {
        o.user.to_string()
    } else if path.starts_with("/api/v1/auth/tokens/") {
        o.token.to_string()
    } else if path.starts_with("/api/v1/suppressions/") {
        o.suppression.to_string()
    } else if path.starts_with("/api/v1/tenants/") {
        o.tenant.to_string()
    } else if path.starts_with("/api/v1/notifications/") {
        o.notification.to_string()
    } else {
        o.incident.to_string()
    };
    // The tenant of a report by its slug (the fixture's tenants are zone-a and zone-b, in
    // that order).
    let slug = match o.tenant {
        1 => "zone-a",
        2 => "zone-b",
        _ => "no-such-tenant",
    };
    path.replace("{id}", &id)
        .replace("{task}", &o.task.to_string())
        .replace("{stage}", "early_warning")
        .replace("{tenant}", slug)
        .replace("{month}", "2026-11")
}

/// What tenant B holds, as the platform sees it (to prove nothing of it changed).
async fn snapshot(d: &Desk) -> Value {
    let platform = Access::new(d.store.clone()).operator_scope();
    let b = platform.narrow(d.b).unwrap();
    let incidents = d
        .store
        .list_incidents(
            &b,
            &Default::default(),
            Default::default(),
            &vigie_soc::Page::first(1000),
        )
        .await
        .unwrap();
    let mut details = Vec::new();
    for i in &incidents.incidents {
        let mut detail = serde_json::to_value(
            d.store
                .incident_detail(
                    &b,
                    Access::new(d.store.clone()).operator_audience(),
                    i.id,
                    "2030-01-01T00:00:00Z".parse().unwrap(),
                )
                .await
                .unwrap(),
        )
        .unwrap();
        detail["incident"]["updated_at"] = Value::Null;
        details.push(detail);
    }
    let alerts = d
        .store
        .list_alerts(&b, &Default::default(), &vigie_soc::Page::first(1000))
        .await
        .unwrap();
    json!({
        "incidents": details,
        "alerts": serde_json::to_value(alerts).unwrap(),
        "suppressions": serde_json::to_value(d.store.list_suppressions(&b).await.unwrap()).unwrap(),
        "users": serde_json::to_value(d.store.list_users(&b).await.unwrap()).unwrap(),
        "sla": serde_json::to_value(d.store.sla_contract(&b, d.b).await.unwrap()).unwrap(),
        "notifications": serde_json::to_value(d.store.list_notifications(&b, &Default::default()).await.unwrap()).unwrap(),
    })
}

const MATRIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/isolation_matrix.json");

#[tokio::test]
async fn tenant_isolation_matrix_from_the_openapi_document() {
    let doc = openapi();
    // Each caller: its name in the matrix, its role, and whether it is a platform admin's
    // own API token narrowed to tenant A (every permission) rather than a session.
    let callers = [
        ("soc_lead", Role::SocLead, false),
        ("analyst", Role::Analyst, false),
        ("detection_engineer", Role::DetectionEngineer, false),
        ("tenant_admin", Role::TenantAdmin, false),
        ("tenant_user", Role::TenantUser, false),
        ("platform_admin", Role::PlatformAdmin, false),
        (
            "platform_admin_token_narrowed_to_a",
            Role::PlatformAdmin,
            true,
        ),
    ];
    let mut observed: BTreeMap<String, u16> = BTreeMap::new();
    let mut cross = Vec::new();
    for (name, role, narrowed) in callers {
        let d = desk().await;
        let own = objects(&d, d.a, 100).await;
        let other = objects(&d, d.b, 200).await;
        let tenants: Vec<TenantId> = if role == Role::PlatformAdmin {
            vec![]
        } else {
            vec![d.a]
        };
        let caller_id = d.user("caller", role, &tenants).await;
        let caller = if narrowed {
            let token = d
                .store
                .create_user_token(
                    &Actor::user("caller"),
                    caller_id,
                    &vigie_access::token::NewUserToken {
                        label: "narrowed".into(),
                        permissions: vigie_access::Permission::ALL.to_vec(),
                        tenants: Some(vec![d.a]),
                        expires_at: None,
                    },
                )
                .await
                .unwrap();
            Call {
                bearer: Some(token.secret),
                ..Call::default()
            }
        } else {
            session(&d.app, "caller").await
        };
        // The whole platform: tenant B is its to read and change.
        let platform = role == Role::PlatformAdmin && !narrowed;
        let before = snapshot(&d).await;
        let mut n = 0;
        for target in ["own", "other", "unknown"] {
            let o = match target {
                "own" => own.clone(),
                "other" => other.clone(),
                _ => unknown(),
            };
            for (path, method, op) in operations(&doc) {
                if !is_desk(&op) || path == "/api/v1/auth/logout" {
                    continue;
                }
                n += 1;
                let body = op["requestBody"]["content"]["application/json"]["example"].clone();
                let body = (!body.is_null()).then(|| fill(&body, &o, n));
                let uri = uri(&path, &o);
                // The query-string form of the tenant for list endpoints.
                let uri = if method == Method::GET
                    && op["parameters"]
                        .as_array()
                        .is_some_and(|p| p.iter().any(|p| p["name"] == "tenant"))
                {
                    format!("{uri}?tenant={}", o.tenant)
                } else {
                    uri
                };
                let r = send(&d.app, method.clone(), &uri, body, &caller).await;
                let key = format!("{name} {method} {path} {target}");
                observed.insert(key.clone(), r.status.as_u16());
                if target == "other" && !platform && r.status.is_success() {
                    // A list may answer 200 only when it shows nothing of the other tenant.
                    let text = r.body.to_string();
                    let leaks = text.contains(&format!("\"tenant\":{}", other.tenant))
                        || text.contains(&other.alert)
                        || text.contains("zone-b");
                    if leaks || method != Method::GET {
                        cross.push(format!("{key}: {} {}", r.status, r.body));
                    }
                }
            }
        }
        if !platform {
            assert_eq!(snapshot(&d).await, before, "{name}: tenant B changed");
        }
    }
    assert!(
        cross.is_empty(),
        "cross-tenant reads or writes:\n{}",
        cross.join("\n")
    );
    let observed = serde_json::to_string_pretty(&observed).unwrap() + "\n";
    if std::env::var_os("VIGIE_WRITE_MATRIX").is_some() {
        std::fs::write(MATRIX, &observed).unwrap();
    }
    let committed = std::fs::read_to_string(MATRIX).unwrap_or_default();
    assert!(
        committed == observed,
        "the isolation matrix differs from {MATRIX}; review and rerun with VIGIE_WRITE_MATRIX=1"
    );
}

#[tokio::test]
async fn tokens_reach_the_desk_with_their_scope() {
    let d = desk().await;
    let _ = objects(&d, d.b, 300).await;
    let read_a = d
        .store
        .create_token(TokenOwner::Tenant(d.a), TokenKind::Read, "r")
        .await
        .unwrap()
        .secret;
    let ingest = d
        .store
        .create_token(TokenOwner::Tenant(d.a), TokenKind::Ingest, "i")
        .await
        .unwrap()
        .secret;
    let read = Call {
        bearer: Some(read_a),
        ..Call::default()
    };
    let r = send(&d.app, Method::GET, "/api/v1/incidents", None, &read).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["incidents"].as_array().unwrap().len(), 0);
    let r = send(
        &d.app,
        Method::POST,
        "/api/v1/incidents",
        Some(json!({"tenant": d.a.0, "title": "x"})),
        &read,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "read-only token");
    let r = send(
        &d.app,
        Method::GET,
        "/api/v1/incidents",
        None,
        &Call {
            bearer: Some(ingest),
            ..Call::default()
        },
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

// ---- A user's own API tokens and tenant admins ----------------------------------------------

#[tokio::test]
async fn user_tokens_act_as_their_user_and_follow_changes_on_the_next_request() {
    let d = desk().await;
    let own = objects(&d, d.a, 100).await;
    let other = objects(&d, d.b, 200).await;
    let ana_id = d.user("ana", Role::Analyst, &[d.a, d.b]).await;
    d.user("root", Role::PlatformAdmin, &[]).await;
    let ana = session(&d.app, "ana").await;
    let root = session(&d.app, "root").await;

    let r = send(
        &d.app,
        Method::POST,
        "/api/v1/auth/tokens",
        Some(json!({"label": "ci", "permissions": ["read_desk", "comment"]})),
        &ana,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let secret = r.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("vgu_") && secret.len() == 68);
    let token_id = r.body["token"]["id"].as_i64().unwrap();
    let tok = Call {
        bearer: Some(secret.clone()),
        ..Call::default()
    };
    // A permission the role lacks is refused by name.
    let r = send(
        &d.app,
        Method::POST,
        "/api/v1/auth/tokens",
        Some(json!({"label": "x", "permissions": ["manage_sla"]})),
        &ana,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.to_string().contains("manage_sla"), "{}", r.body);
    // Tokens are made from a session, not from a token.
    let r = send(
        &d.app,
        Method::POST,
        "/api/v1/auth/tokens",
        Some(json!({"label": "y", "permissions": ["read_desk"]})),
        &tok,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The alert list takes the token, the session and a status filter.
    for caller in [&tok, &ana] {
        let r = send(
            &d.app,
            Method::GET,
            "/api/v1/alerts?status=new,escalated",
            None,
            caller,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.to_string().contains(&own.alert), "{}", r.body);
    }
    let r = send(
        &d.app,
        Method::GET,
        "/api/v1/alerts?status=open",
        None,
        &tok,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let me = send(&d.app, Method::GET, "/api/v1/auth/me", None, &tok).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["actor"], format!("user:ana/token:{token_id}"));
    assert_eq!(me.body["permissions"], json!(["read_desk", "comment"]));
    let get = |id: vigie_soc::IncidentId| format!("/api/v1/incidents/{id}");
    assert_eq!(
        send(&d.app, Method::GET, &get(other.incident), None, &tok)
            .await
            .status,
        StatusCode::OK
    );
    // The role may work incidents, the token may not.
    let r = send(
        &d.app,
        Method::PATCH,
        &get(own.incident),
        Some(json!({"title": "renamed"})),
        &tok,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(
        &d.app,
        Method::PATCH,
        &get(own.incident),
        Some(json!({"title": "renamed"})),
        &ana,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "the session still may");

    // Tenant B taken from ana: the token no longer reaches it, on the next request.
    let r = send(
        &d.app,
        Method::PATCH,
        &format!("/api/v1/users/{ana_id}"),
        Some(json!({"tenants": [d.a.0]})),
        &root,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        send(&d.app, Method::GET, &get(other.incident), None, &tok)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&d.app, Method::GET, &get(own.incident), None, &tok)
            .await
            .status,
        StatusCode::OK
    );

    // Disabled: refused at once; enabled: works again.
    let path = |what: &str| format!("/api/v1/users/{ana_id}/{what}");
    assert_eq!(
        send(&d.app, Method::POST, &path("disable"), None, &root)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        send(&d.app, Method::GET, "/api/v1/auth/me", None, &tok)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(&d.app, Method::POST, &path("enable"), None, &root)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        send(&d.app, Method::GET, "/api/v1/auth/me", None, &tok)
            .await
            .status,
        StatusCode::OK
    );

    // Revoked by its owner (a new session: disabling ended the old one).
    let ana = session(&d.app, "ana").await;
    let list = send(&d.app, Method::GET, "/api/v1/auth/tokens", None, &ana).await;
    assert_eq!(list.body.as_array().unwrap().len(), 1);
    assert!(
        !list.body.to_string().contains("vgu_"),
        "no secret in the list"
    );
    let root_revoke = send(
        &d.app,
        Method::DELETE,
        &format!("/api/v1/auth/tokens/{token_id}"),
        None,
        &root,
    )
    .await;
    assert_eq!(
        root_revoke.status,
        StatusCode::NOT_FOUND,
        "only the owner revokes"
    );
    let r = send(
        &d.app,
        Method::DELETE,
        &format!("/api/v1/auth/tokens/{token_id}"),
        None,
        &ana,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        send(&d.app, Method::GET, "/api/v1/auth/me", None, &tok)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // A tenant token has no user and so no tokens of its own.
    let read_a = d
        .store
        .create_token(TokenOwner::Tenant(d.a), TokenKind::Read, "r")
        .await
        .unwrap()
        .secret;
    let r = send(
        &d.app,
        Method::GET,
        "/api/v1/auth/tokens",
        None,
        &Call {
            bearer: Some(read_a),
            ..Call::default()
        },
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let actions: Vec<String> = d
        .store
        .audit_entries(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in [
        "user_token.create",
        "user_token.revoke",
        "user.update",
        "user.disable",
        "user.enable",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action} not audited");
    }
}

#[tokio::test]
async fn tenant_admin_manages_its_tenant_users_and_nobody_else() {
    let d = desk().await;
    d.user("boss", Role::TenantAdmin, &[d.a]).await;
    let ana = d.user("ana", Role::Analyst, &[d.a]).await;
    let member_b = d.user("bea", Role::TenantUser, &[d.b]).await;
    let boss = session(&d.app, "boss").await;

    let r = send(
        &d.app,
        Method::POST,
        "/api/v1/users",
        Some(json!({"username": "carl", "password": PASSWORD, "role": "tenant_user", "tenants": [d.a.0]})),
        &boss,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let carl = r.body["id"].as_i64().unwrap();
    let r = send(
        &d.app,
        Method::POST,
        "/api/v1/users",
        Some(
            json!({"username": "dan", "password": PASSWORD, "role": "analyst", "tenants": [d.a.0]}),
        ),
        &boss,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.to_string().contains("analyst"), "{}", r.body);

    // Password reset ends carl's session; the new password works.
    let carl_session = session(&d.app, "carl").await;
    let r = send(
        &d.app,
        Method::PATCH,
        &format!("/api/v1/users/{carl}"),
        Some(json!({"password": "a brand new password", "role": "tenant_admin"})),
        &boss,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["role"], "tenant_admin");
    assert_eq!(
        send(&d.app, Method::GET, "/api/v1/auth/me", None, &carl_session)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        d.store
            .verify_user_password("carl", "a brand new password")
            .await
            .unwrap()
    );

    // The analyst working for the tenant and the other tenant's user are not its to manage.
    for id in [ana, member_b] {
        for (method, path, body) in [
            (
                Method::PATCH,
                format!("/api/v1/users/{id}"),
                Some(json!({"disabled": true})),
            ),
            (Method::POST, format!("/api/v1/users/{id}/disable"), None),
        ] {
            let r = send(&d.app, method, &path, body, &boss).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
        }
    }
    let r = send(
        &d.app,
        Method::PATCH,
        &format!("/api/v1/users/{carl}"),
        Some(json!({"role": "soc_lead"})),
        &boss,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = send(
        &d.app,
        Method::POST,
        &format!("/api/v1/users/{carl}/disable"),
        None,
        &boss,
    )
    .await;
    assert_eq!(
        (r.status, r.body["disabled"].as_bool()),
        (StatusCode::OK, Some(true))
    );
}

#[tokio::test]
async fn a_platform_admin_token_narrowed_to_one_tenant_manages_only_users_inside_it() {
    let d = desk().await;
    d.user("root", Role::PlatformAdmin, &[]).await;
    let other_root = d.user("root2", Role::PlatformAdmin, &[]).await;
    let shared = d.user("shared", Role::Analyst, &[d.a, d.b]).await;
    let member_a = d.user("member-a", Role::TenantUser, &[d.a]).await;
    let member_b = d.user("member-b", Role::TenantUser, &[d.b]).await;
    let root = session(&d.app, "root").await;
    let r = send(
        &d.app,
        Method::POST,
        "/api/v1/auth/tokens",
        Some(json!({"label": "zone-a admin", "tenants": [d.a.0],
                    "permissions": ["read_desk", "read_users", "manage_users"]})),
        &root,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let tok = Call {
        bearer: r.body["secret"].as_str().map(str::to_owned),
        ..Call::default()
    };
    let platform = Access::new(d.store.clone()).operator_scope();
    let before = serde_json::to_value(d.store.list_users(&platform).await.unwrap()).unwrap();

    // Reading a user who also works for tenant B shows only tenant A.
    let r = send(
        &d.app,
        Method::GET,
        &format!("/api/v1/users/{shared}"),
        None,
        &tok,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["tenants"], json!([d.a.0]));

    // A user with a tenant outside the token's scope, or a platform admin, is not its to
    // manage: every change answers 404 and changes nothing.
    for id in [shared, member_b, other_root] {
        for (method, path, body) in [
            (
                Method::PATCH,
                format!("/api/v1/users/{id}"),
                Some(json!({"disabled": true})),
            ),
            (
                Method::PATCH,
                format!("/api/v1/users/{id}"),
                Some(json!({"password": "a password taken over"})),
            ),
            (
                Method::PATCH,
                format!("/api/v1/users/{id}"),
                Some(json!({"tenants": [d.a.0]})),
            ),
            (
                Method::PATCH,
                format!("/api/v1/users/{id}"),
                Some(json!({"role": "soc_lead"})),
            ),
            (Method::POST, format!("/api/v1/users/{id}/disable"), None),
            (Method::POST, format!("/api/v1/users/{id}/enable"), None),
        ] {
            let r = send(&d.app, method.clone(), &path, body.clone(), &tok).await;
            assert_eq!(
                r.status,
                StatusCode::NOT_FOUND,
                "{method} {path} {body:?}: {}",
                r.body
            );
        }
    }
    // It grants no tenant outside its scope and creates no platform admin.
    for (method, path, body) in [
        (
            Method::PATCH,
            format!("/api/v1/users/{member_a}"),
            json!({"tenants": [d.b.0]}),
        ),
        (
            Method::PATCH,
            format!("/api/v1/users/{member_a}"),
            json!({"role": "analyst", "tenants": [d.a.0, d.b.0]}),
        ),
        (
            Method::PATCH,
            format!("/api/v1/users/{member_a}"),
            json!({"role": "platform_admin", "tenants": []}),
        ),
        (
            Method::POST,
            "/api/v1/users".to_owned(),
            json!({"username": "evil", "password": PASSWORD, "role": "platform_admin", "tenants": []}),
        ),
        (
            Method::POST,
            "/api/v1/users".to_owned(),
            json!({"username": "evil", "password": PASSWORD, "role": "analyst", "tenants": [d.a.0, d.b.0]}),
        ),
        (
            Method::POST,
            "/api/v1/users".to_owned(),
            json!({"username": "evil", "password": PASSWORD, "role": "tenant_user", "tenants": [d.b.0]}),
        ),
    ] {
        let r = send(&d.app, method.clone(), &path, Some(body.clone()), &tok).await;
        assert!(
            r.status == StatusCode::BAD_REQUEST || r.status == StatusCode::NOT_FOUND,
            "{method} {path} {body}: {} {}",
            r.status,
            r.body
        );
    }
    assert_eq!(
        serde_json::to_value(d.store.list_users(&platform).await.unwrap()).unwrap(),
        before,
        "no user changed"
    );
    assert!(
        d.store
            .verify_user_password("shared", PASSWORD)
            .await
            .unwrap()
    );

    // Inside its scope it manages as a platform admin does.
    let r = send(
        &d.app,
        Method::PATCH,
        &format!("/api/v1/users/{member_a}"),
        Some(json!({"role": "tenant_admin", "disabled": true})),
        &tok,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = send(
        &d.app,
        Method::POST,
        "/api/v1/users",
        Some(json!({"username": "newbie", "password": PASSWORD, "role": "analyst", "tenants": [d.a.0]})),
        &tok,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // The platform admin's own session still manages the shared user.
    let r = send(
        &d.app,
        Method::POST,
        &format!("/api/v1/users/{shared}/disable"),
        None,
        &root,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn the_rule_catalogue_shows_a_tenant_the_shared_rules_and_its_own_filters() {
    use vigie_soc::{RuleAudience, RuleStatus};
    let d = desk().await;
    let row = |path: &str, audience: RuleAudience, loaded: bool| RuleStatus {
        path: path.to_owned(),
        audience,
        rule_id: Some(format!("id of {path}")),
        title: Some(format!("title of {path}")),
        severity: None,
        loaded,
        reason: (!loaded).then(|| "invalid YAML".to_owned()),
    };
    d.store
        .replace_rule_status(&[
            row("windows/whoami.yml", RuleAudience::Everyone, true),
            row("windows/broken.yml", RuleAudience::Everyone, false),
            row("filters/zone-a/f.yml", RuleAudience::Tenant(d.a), true),
            row("filters/zone-b/secret.yml", RuleAudience::Tenant(d.b), true),
            row(
                "filters/zone-b/broken.yml",
                RuleAudience::Tenant(d.b),
                false,
            ),
            row("filters/nobody/f.yml", RuleAudience::Platform, false),
        ])
        .await
        .unwrap();
    let store = d.store.clone();
    let token = |owner| {
        let store = store.clone();
        async move {
            Call {
                bearer: Some(
                    store
                        .create_token(owner, TokenKind::Read, "rules")
                        .await
                        .unwrap()
                        .secret,
                ),
                ..Call::default()
            }
        }
    };
    let paths = |body: &Value| -> Vec<String> {
        body["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["path"].as_str().unwrap().to_owned())
            .collect()
    };
    let r = send(
        &d.app,
        Method::GET,
        "/api/v1/rules",
        None,
        &token(TokenOwner::Tenant(d.a)).await,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        paths(&r.body),
        [
            "filters/zone-a/f.yml",
            "windows/broken.yml",
            "windows/whoami.yml"
        ]
    );
    assert_eq!(
        (r.body["loaded"].as_u64(), r.body["rejected"].as_u64()),
        (Some(2), Some(1))
    );
    let r = send(
        &d.app,
        Method::GET,
        "/api/v1/rules",
        None,
        &token(TokenOwner::Tenant(d.b)).await,
    )
    .await;
    assert_eq!(
        paths(&r.body),
        [
            "filters/zone-b/broken.yml",
            "filters/zone-b/secret.yml",
            "windows/broken.yml",
            "windows/whoami.yml"
        ]
    );
    let r = send(
        &d.app,
        Method::GET,
        "/api/v1/rules",
        None,
        &token(TokenOwner::Platform).await,
    )
    .await;
    assert_eq!(paths(&r.body).len(), 6, "{}", r.body);
}
