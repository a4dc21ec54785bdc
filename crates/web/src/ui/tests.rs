//! The web application driven in-process on a real SQLite file: login through the form, every
//! page in every language without a missing message, escaping, CSRF on forms, the
//! Content-Security-Policy, triage into an incident, and the client portal's tenant wall.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;
use vigie_event::{EventId, Severity, TenantId, TenantSlug};
use vigie_ingest::{Intake, IntakeConfig};
use vigie_log::{Wal, WalConfig};
use vigie_soc::access::Access;
use vigie_soc::desk::NewUser;
use vigie_soc::{Actor, NewAlert, Role, SqliteStore, StateStore};

use crate::{AppState, WebConfig, router};

const PASSWORD: &str = "a long enough password";

struct Site {
    app: axum::Router,
    store: Arc<SqliteStore>,
    a: TenantId,
    b: TenantId,
    _dir: tempfile::TempDir,
}

async fn site() -> Site {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        SqliteStore::open(&dir.path().join("state.sqlite"))
            .await
            .unwrap(),
    );
    let a = store
        .create_tenant(&TenantSlug::new("ville-a").unwrap(), "Ville A")
        .await
        .unwrap()
        .id;
    let b = store
        .create_tenant(&TenantSlug::new("cpas-b").unwrap(), "CPAS B")
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
        Access::new(store.clone()),
        store.clone(),
        intake,
        None,
        WebConfig {
            max_body_bytes: 1 << 20,
            max_decoded_bytes: 1 << 20,
            max_line_bytes: 1 << 10,
        },
    );
    let platform = Access::new(store.clone()).operator_scope();
    for (name, role, tenants) in [
        ("ana", Role::Analyst, vec![a, b]),
        ("bert", Role::TenantUser, vec![b]),
        ("lea", Role::SocLead, vec![a, b]),
    ] {
        store
            .add_user(
                &Actor::operator(),
                &platform,
                &NewUser {
                    username: name.to_owned(),
                    password: PASSWORD.to_owned(),
                    role,
                    tenants,
                },
            )
            .await
            .unwrap();
    }
    Site {
        app: router(state),
        store,
        a,
        b,
        _dir: dir,
    }
}

impl Site {
    async fn alert(&self, tenant: TenantId, n: u128, title: &str) -> String {
        let alert = NewAlert {
            tenant,
            rule_id: format!("rule-{n}"),
            rule_title: title.to_owned(),
            severity: Severity::High,
            event_id: EventId(n),
            event_received_at: jiff::Timestamp::now(),
            event: serde_json::json!({"host": {"name": "ws-1"}, "user.name": "<b>bob</b>"}),
            group_key: None,
        };
        let id = alert.id();
        self.store.insert_alerts(&[alert]).await.unwrap();
        id
    }
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Reply {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

async fn send(
    app: &axum::Router,
    method: Method,
    uri: &str,
    cookies: &str,
    form: Option<&str>,
) -> Reply {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, "127.0.0.1:8470");
    if !cookies.is_empty() {
        req = req.header(header::COOKIE, cookies);
    }
    let body = match form {
        Some(f) => {
            req = req
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ORIGIN, "http://127.0.0.1:8470");
            Body::from(f.to_owned())
        }
        None => Body::empty(),
    };
    let response = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// Logs in through the form; returns the cookie header (session and CSRF) and the CSRF token.
async fn login(app: &axum::Router, user: &str) -> (String, String) {
    let r = send(
        app,
        Method::POST,
        "/ui/login",
        "",
        Some(&format!(
            "username={user}&password=a+long+enough+password&next=%2Fui%2F"
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(r.location(), "/ui/");
    let mut pairs = Vec::new();
    let mut csrf = String::new();
    for v in r.headers.get_all(header::SET_COOKIE) {
        let v = v.to_str().unwrap();
        assert!(
            v.contains("HttpOnly") && v.contains("Secure") && v.contains("SameSite=Strict"),
            "{v}"
        );
        let pair = v.split(';').next().unwrap().to_owned();
        if let Some(token) = pair.strip_prefix("__Host-vigie_csrf=") {
            csrf = token.to_owned();
        }
        pairs.push(pair);
    }
    assert!(
        pairs
            .iter()
            .any(|p| p.starts_with("__Host-vigie_session=vgs_")),
        "{pairs:?}"
    );
    assert_eq!(csrf.len(), 64);
    (pairs.join("; "), csrf)
}

/// A message id the catalogue did not have shows as `{id}`.
fn assert_no_missing_message(page: &str, context: &str) {
    let bytes = page.as_bytes();
    for (i, _) in page.match_indices('{') {
        let rest = &page[i + 1..];
        let id: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '-' || *c == '_')
            .collect();
        assert!(
            !(id.contains('-') && rest[id.len()..].starts_with('}')),
            "{context}: missing message {{{id}}} near byte {i} of {}",
            bytes.len()
        );
    }
}

#[tokio::test]
async fn pages_in_four_languages_triage_and_tenant_wall() {
    let site = site().await;
    let evil = site
        .alert(site.a, 1, "Logon <script>alert(1)</script>")
        .await;
    let b_alert = site.alert(site.b, 2, "Brute force on CPAS B").await;

    // Without a session every page sends to the login form, keeping the way back.
    let r = send(&site.app, Method::GET, "/ui/alerts", "", None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/ui/login?next=%2Fui%2Falerts");
    let r = send(&site.app, Method::GET, "/ui/login", "vigie_lang=de", None).await;
    assert!(r.text.contains(r#"<html lang="de">"#) && r.text.contains("Benutzername"));
    // A wrong password is one answer, in the page language.
    let r = send(
        &site.app,
        Method::POST,
        "/ui/login",
        "vigie_lang=nl",
        Some("username=ana&password=wrong+password+here"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text.contains("Ongeldige gebruikersnaam"), "{}", r.text);

    let (ana, csrf) = login(&site.app, "ana").await;
    // Escalate the alert into an incident: refused without the CSRF token, done with it.
    let action = format!("/ui/alerts/{evil}/action");
    let r = send(
        &site.app,
        Method::POST,
        &action,
        &ana,
        Some("action=escalate"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(
        &site.app,
        Method::POST,
        &action,
        &ana,
        Some(&format!("action=escalate&csrf={csrf}")),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let incident_a = r.location().to_owned();
    assert!(incident_a.starts_with("/ui/incidents/"), "{incident_a}");
    let r = send(
        &site.app,
        Method::POST,
        &format!("{incident_a}/comment"),
        &ana,
        Some(&format!(
            "csrf={csrf}&body=Called+the+town+hall+%3Cb%3EIT%3C%2Fb%3E"
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = send(
        &site.app,
        Method::POST,
        &format!("{incident_a}/update"),
        &ana,
        Some(&format!("csrf={csrf}&status=in_progress&rsit=intrusions%2Fsystem-compromise&tlp=TLP%3AGREEN&severity=critical")),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);

    let pages = [
        "/ui/".to_owned(),
        "/ui/alerts?status=any".to_owned(),
        format!("/ui/alerts/{evil}"),
        "/ui/incidents?status=any".to_owned(),
        incident_a.clone(),
        "/ui/sla".to_owned(),
        "/ui/detection".to_owned(),
    ];
    for lang in ["fr", "nl", "de", "en"] {
        let cookies = format!("{ana}; vigie_lang={lang}");
        for page in &pages {
            let r = send(&site.app, Method::GET, page, &cookies, None).await;
            let context = format!("{lang} {page}");
            assert_eq!(r.status, StatusCode::OK, "{context}: {}", r.text);
            assert!(
                r.text.contains(&format!(r#"<html lang="{lang}">"#)),
                "{context}"
            );
            assert_no_missing_message(&r.text, &context);
            assert!(
                !r.text.contains("<script>alert"),
                "{context}: unescaped title"
            );
            assert!(!r.text.contains("<b>"), "{context}: unescaped value");
            let csp = r
                .headers
                .get(header::CONTENT_SECURITY_POLICY)
                .unwrap()
                .to_str()
                .unwrap();
            assert!(
                csp.contains("default-src 'self'") && !csp.contains("unsafe-inline"),
                "{csp}"
            );
            assert!(
                !r.text.contains("<script>") && !r.text.contains(" style="),
                "{context}: inline script or style"
            );
        }
    }
    // The incident page in Dutch shows the changes and the comment, translated.
    let r = send(
        &site.app,
        Method::GET,
        &incident_a,
        &format!("{ana}; vigie_lang=nl"),
        None,
    )
    .await;
    assert!(
        r.text.contains("In behandeling") && r.text.contains("Opmerkingen"),
        "{}",
        r.text
    );
    assert!(r.text.contains("intrusions / system-compromise") && r.text.contains("TLP:GREEN"));
    assert!(
        r.text
            .contains("Called the town hall &lt;b&gt;IT&lt;/b&gt;")
    );
    assert!(r.text.contains("(UTC+01:00)") || r.text.contains("(UTC+02:00)"));
    // The queue's JSON rows for the refresh.
    let r = send(
        &site.app,
        Method::GET,
        "/ui/alerts/rows?status=any",
        &ana,
        None,
    )
    .await;
    let rows: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    assert_eq!(rows["ids"].as_array().unwrap().len(), 2, "{rows}");
    assert!(
        rows["rows"]
            .as_str()
            .unwrap()
            .contains("Logon &lt;script&gt;")
    );
    // Bulk acknowledge.
    let r = send(
        &site.app,
        Method::POST,
        "/ui/alerts/bulk",
        &ana,
        Some(&format!(
            "csrf={csrf}&action=acknowledge&ids={b_alert}&back=%2Fui%2Falerts"
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let scope = Access::new(site.store.clone()).operator_scope();
    let acked = site
        .store
        .get_alert(&scope, &b_alert)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(acked.status.as_str(), "acknowledged");
    // An analyst has no admin page; a SOC lead has.
    let r = send(&site.app, Method::GET, "/ui/admin", &ana, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let (lea, _) = login(&site.app, "lea").await;
    let r = send(
        &site.app,
        Method::GET,
        "/ui/admin",
        &format!("{lea}; vigie_lang=fr"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text.contains("cpas-b") && r.text.contains("contact client"),
        "{}",
        r.text
    );
    assert_no_missing_message(&r.text, "admin");

    // The client contact of tenant B: its own incidents only, by list and by URL.
    let escalated_b = send(
        &site.app,
        Method::POST,
        &format!("/ui/alerts/{b_alert}/action"),
        &ana,
        Some(&format!("action=escalate&csrf={csrf}")),
    )
    .await;
    let incident_b = escalated_b.location().to_owned();
    let (bert, bert_csrf) = login(&site.app, "bert").await;
    let r = send(&site.app, Method::GET, "/ui/", &bert, None).await;
    assert_eq!(r.location(), "/ui/incidents");
    let r = send(
        &site.app,
        Method::GET,
        "/ui/incidents?status=any",
        &bert,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("Brute force on CPAS B"), "{}", r.text);
    assert!(!r.text.contains("Logon &lt;script&gt;") && !r.text.contains("ville-a"));
    for (uri, lang) in [(incident_a.as_str(), "en"), (incident_a.as_str(), "nl")] {
        let r = send(
            &site.app,
            Method::GET,
            uri,
            &format!("{bert}; vigie_lang={lang}"),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
        assert!(!r.text.contains("Logon"));
    }
    let r = send(
        &site.app,
        Method::GET,
        "/ui/incidents?tenant=ville-a",
        &bert,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    for uri in ["/ui/alerts", "/ui/alerts/rows", "/ui/detection"] {
        let r = send(&site.app, Method::GET, uri, &bert, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}");
    }
    let r = send(
        &site.app,
        Method::GET,
        &format!("/ui/alerts/{b_alert}"),
        &bert,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A comment on A's incident is refused as not found; on B's it is taken.
    let r = send(
        &site.app,
        Method::POST,
        &format!("{incident_a}/comment"),
        &bert,
        Some(&format!("csrf={bert_csrf}&body=hello")),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = send(
        &site.app,
        Method::POST,
        &format!("{incident_b}/comment"),
        &bert,
        Some(&format!("csrf={bert_csrf}&body=We+reset+the+password")),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Another user's CSRF token does not work with this session.
    let r = send(
        &site.app,
        Method::POST,
        &format!("{incident_b}/comment"),
        &bert,
        Some(&format!("csrf={csrf}&body=forged")),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(
        &site.app,
        Method::GET,
        &incident_b,
        &format!("{bert}; vigie_lang=de"),
        None,
    )
    .await;
    assert!(
        r.text.contains("We reset the password") && r.text.contains("Ihre Antwort"),
        "{}",
        r.text
    );
    assert!(
        !r.text.contains("/update"),
        "a client contact gets no change form"
    );

    // Logout ends the session on the server.
    let r = send(
        &site.app,
        Method::POST,
        "/ui/logout",
        &bert,
        Some(&format!("csrf={bert_csrf}")),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = send(&site.app, Method::GET, "/ui/incidents", &bert, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let _ = site.b;
}

#[tokio::test]
async fn static_files_and_language_switch() {
    let site = site().await;
    let r = send(&site.app, Method::GET, "/static/vigie.js", "", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(r.text.contains("data-poll"));
    let r = send(&site.app, Method::GET, "/static/vigie.css", "", None).await;
    assert!(
        r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    // A browser asking for the root gets the application (a shipper's probe gets the
    // Elasticsearch answer, see api::es::root_probe).
    let req = Request::builder()
        .uri("/")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .body(Body::empty())
        .unwrap();
    let response = site.app.clone().oneshot(req).await.unwrap();
    assert_eq!(response.headers()[header::LOCATION], "/ui/");
    let r = send(
        &site.app,
        Method::GET,
        "/ui/lang/nl?back=%2Fui%2Fincidents%2F3",
        "",
        None,
    )
    .await;
    assert_eq!(r.location(), "/ui/incidents/3");
    let cookie = r.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("vigie_lang=nl;"), "{cookie}");
    let r = send(
        &site.app,
        Method::GET,
        "/ui/lang/nl?back=https%3A%2F%2Fevil.example%2F",
        "",
        None,
    )
    .await;
    assert_eq!(r.location(), "/ui/");
    let r = send(&site.app, Method::GET, "/ui/lang/es", "", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Accept-Language picks the language when no switch was used.
    let req = Request::builder()
        .uri("/ui/login")
        .header(header::ACCEPT_LANGUAGE, "fr-BE,fr;q=0.9,en;q=0.5")
        .body(Body::empty())
        .unwrap();
    let response = site.app.clone().oneshot(req).await.unwrap();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&bytes).contains("Mot de passe"));
    // A login form posted from another site is refused.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/ui/login")
        .header(header::HOST, "127.0.0.1:8470")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::from("username=ana&password=a+long+enough+password"))
        .unwrap();
    let response = site.app.clone().oneshot(req).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get(header::SET_COOKIE).is_none());
}

/// NIS2 clocks and reminders show on the incident page, for the SOC and, on its own
/// incident, for the client contact; another tenant's contact gets 404.
#[tokio::test]
async fn nis2_clocks_and_reminders_in_console_and_portal() {
    use vigie_soc::nis2::{Nis2Store, ReminderPolicy};
    let s = site().await;
    let platform = Access::new(s.store.clone()).operator_scope();
    let incident = s
        .store
        .create_incident(
            &Actor::operator(),
            &platform,
            &vigie_soc::desk::NewIncident {
                tenant: s.b,
                title: "Ransomware".into(),
                severity: None,
                rsit_class: None,
                rsit_type: None,
                tlp: None,
                alerts: Vec::new(),
            },
        )
        .await
        .unwrap()
        .id;
    let aware = jiff::Timestamp::now();
    s.store
        .nis2_set_awareness(&platform, incident, aware, "confirmed", "user:lea")
        .await
        .unwrap();
    let later = aware
        .checked_add(jiff::SignedDuration::from_hours(13))
        .unwrap();
    let sent = s
        .store
        .nis2_send_reminders(&platform, later, &ReminderPolicy::default())
        .await
        .unwrap();
    assert!(!sent.is_empty());
    let (lea, _) = login(&s.app, "lea").await;
    let page = send(
        &s.app,
        Method::GET,
        &format!("/ui/incidents/{incident}"),
        &lea,
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("NIS2"), "{}", page.text);
    assert!(page.text.contains("reminder"), "{}", page.text);
    // The client contact of tenant B sees the same clocks, in Dutch.
    let (bert, _) = login(&s.app, "bert").await;
    let page = send(
        &s.app,
        Method::GET,
        &format!("/ui/incidents/{incident}"),
        &format!("{bert}; vigie_lang=nl"),
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("herinnering"), "{}", page.text);
    assert_no_missing_message(&page.text, "portal nis2");
    // Tenant A's analyst-less view: a contact of another tenant cannot open it.
    let other = s
        .store
        .create_incident(
            &Actor::operator(),
            &platform,
            &vigie_soc::desk::NewIncident {
                tenant: s.a,
                title: "Other".into(),
                severity: None,
                rsit_class: None,
                rsit_type: None,
                tlp: None,
                alerts: Vec::new(),
            },
        )
        .await
        .unwrap()
        .id;
    let page = send(
        &s.app,
        Method::GET,
        &format!("/ui/incidents/{other}"),
        &bert,
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}
