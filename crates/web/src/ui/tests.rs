//! The web application driven in-process on a real SQLite file: login through the form, every
//! page in every language without a missing message, escaping, CSRF on forms, the
//! Content-Security-Policy, triage into an incident, and the client portal's tenant wall.

use std::sync::Arc;
use std::time::Duration;
use vigie_soc::prelude::*;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;
use vigie_access::Access;
use vigie_access::NewUser;
use vigie_access::Role;
use vigie_event::{EventId, Severity, TenantId, TenantSlug};
use vigie_ingest::{Intake, IntakeConfig};
use vigie_log::{Wal, WalConfig};
use vigie_soc::prefs::PrefsStore;
use vigie_soc::{Actor, NewAlert, SqliteStore};

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
    // A value over its limit is named in the page language too (the API answers English).
    let long = "a".repeat(200);
    let r = send(
        &site.app,
        Method::POST,
        "/ui/login",
        "vigie_lang=fr",
        Some(&format!("username={long}&password=whatever")),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text.contains("Le nom d’utilisateur fait")
            && r.text.contains("200")
            && r.text.contains("128"),
        "{}",
        r.text
    );
    assert!(!r.text.contains("longer than"), "{}", r.text);

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
        "/ui/notifications?status=all".to_owned(),
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
    // The SLA figures name the category (RSIT class) of each row.
    let r = send(
        &site.app,
        Method::GET,
        "/ui/sla",
        &format!("{ana}; vigie_lang=en"),
        None,
    )
    .await;
    assert!(
        r.text.contains("Classification (RSIT)") && r.text.contains("<td>intrusions</td>"),
        "{}",
        r.text
    );
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
    for uri in [
        "/ui/alerts",
        "/ui/alerts/rows",
        "/ui/detection",
        "/ui/notifications",
    ] {
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

/// The platform admin `pat` (every tenant), created beside the others of [`site`].
async fn platform_admin(site: &Site) {
    let platform = Access::new(site.store.clone()).operator_scope();
    site.store
        .add_user(
            &Actor::operator(),
            &platform,
            &NewUser {
                username: "pat".to_owned(),
                password: PASSWORD.to_owned(),
                role: Role::PlatformAdmin,
                tenants: vec![],
            },
        )
        .await
        .unwrap();
}

/// The audit actions recorded so far.
async fn audit_actions(site: &Site) -> Vec<String> {
    site.store
        .audit_entries(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[tokio::test]
async fn admin_forms_change_through_the_store_checked_and_audited() {
    let site = site().await;
    platform_admin(&site).await;
    let (pat, csrf) = login(&site.app, "pat").await;
    for lang in ["fr", "nl", "de", "en"] {
        let r = send(
            &site.app,
            Method::GET,
            "/ui/admin",
            &format!("{pat}; vigie_lang={lang}"),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_no_missing_message(&r.text, &format!("admin {lang}"));
        assert!(r.text.contains(r#"action="/ui/admin/tenants""#));
        let r = send(
            &site.app,
            Method::GET,
            "/ui/admin/sla/ville-a",
            &format!("{pat}; vigie_lang={lang}"),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_no_missing_message(&r.text, &format!("sla form {lang}"));
    }
    // Every form refuses a post without the CSRF token, and from another site.
    for (uri, form) in [
        ("/ui/admin/tenants", "slug=zone-c&name=Zone+C"),
        ("/ui/admin/tokens", "label=x&kind=ingest&tenant=ville-a"),
        ("/ui/admin/sla/ville-a", "calendar=24x7"),
    ] {
        let r = send(&site.app, Method::POST, uri, &pat, Some(form)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{uri}");
        let req = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::HOST, "127.0.0.1:8470")
            .header(header::COOKIE, &pat)
            .header(header::ORIGIN, "https://evil.example")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("{form}&csrf={csrf}")))
            .unwrap();
        let response = site.app.clone().oneshot(req).await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{uri}");
    }
    // A tenant, named back when the slug is wrong.
    let r = send(
        &site.app,
        Method::POST,
        "/ui/admin/tenants",
        &pat,
        Some(&format!("csrf={csrf}&slug=Zone+C!&name=Zone+C")),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("Zone C!"), "{}", r.text);
    let r = send(
        &site.app,
        Method::POST,
        "/ui/admin/tenants",
        &pat,
        Some(&format!("csrf={csrf}&slug=zone-c&name=Zone+C")),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = send(
        &site.app,
        Method::POST,
        "/ui/admin/tenants",
        &pat,
        Some(&format!("csrf={csrf}&slug=zone-c&name=Again")),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("zone-c"));
    // A user with a role and tenants; a wrong tenant set is refused with the store's reason.
    let r = send(
        &site.app,
        Method::POST,
        "/ui/admin/users",
        &pat,
        Some(&format!(
            "csrf={csrf}&username=cleo&password=a+long+enough+password&role=tenant_user&tenants=ville-a&tenants=zone-c"
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let r = send(
        &site.app,
        Method::POST,
        "/ui/admin/users",
        &pat,
        Some(&format!(
            "csrf={csrf}&username=cleo&password=a+long+enough+password&role=tenant_user&tenants=zone-c"
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let platform = Access::new(site.store.clone()).operator_scope();
    let cleo = site
        .store
        .list_users(&platform)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.username == "cleo")
        .unwrap();
    assert_eq!(cleo.role, Role::TenantUser);
    let cleo_id = cleo.id;
    assert_eq!(cleo.tenants.len(), 1);
    // Her role changed by the edit form (re-enabled first below).
    let r = send(
        &site.app,
        Method::GET,
        &format!("/ui/admin/users/{}", cleo.id),
        &format!("{pat}; vigie_lang=nl"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_no_missing_message(&r.text, "user form");
    assert!(r.text.contains(r#"value="zone-c" checked"#), "{}", r.text);
    let r = send(
        &site.app,
        Method::POST,
        &format!("/ui/admin/users/{}", cleo.id),
        &pat,
        Some(&format!("csrf={csrf}&role=tenant_admin&tenants=zone-c")),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let cleo = site
        .store
        .get_user(&platform, cleo.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cleo.role, Role::TenantAdmin);
    let (cleo_cookies, cleo_csrf) = login(&site.app, "cleo").await;
    // As a tenant admin she manages the client roles of her own tenant only: no tokens, no
    // tenants, no SOC users.
    let r = send(&site.app, Method::GET, "/ui/admin", &cleo_cookies, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains(r#"href="/ui/admin""#), "nav entry");
    assert!(!r.text.contains("/ui/admin/tokens") && !r.text.contains("/ui/admin/tenants"));
    assert!(!r.text.contains(r#"<option value="analyst""#));
    let r = send(
        &site.app,
        Method::POST,
        "/ui/admin/users",
        &cleo_cookies,
        Some(&format!(
            "csrf={cleo_csrf}&username=dora&password=a+long+enough+password&role=tenant_user&tenants=zone-c"
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = send(
        &site.app,
        Method::POST,
        "/ui/admin/users",
        &cleo_cookies,
        Some(&format!(
            "csrf={cleo_csrf}&username=eve&password=a+long+enough+password&role=analyst&tenants=zone-c"
        )),
    )
    .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    let ana_id = site
        .store
        .list_users(&platform)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.username == "ana")
        .unwrap()
        .id;
    let r = send(
        &site.app,
        Method::POST,
        &format!("/ui/admin/users/{ana_id}/disable"),
        &cleo_cookies,
        Some(&format!("csrf={cleo_csrf}")),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = send(
        &site.app,
        Method::POST,
        "/ui/admin/tokens",
        &cleo_cookies,
        Some(&format!(
            "csrf={cleo_csrf}&label=x&kind=ingest&tenant=zone-c"
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (cleo_cookies, _) = login(&site.app, "cleo").await;
    // Disabling ends her session at once.
    let r = send(
        &site.app,
        Method::POST,
        &format!("/ui/admin/users/{cleo_id}/disable"),
        &pat,
        Some(&format!("csrf={csrf}")),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = send(&site.app, Method::GET, "/ui/incidents", &cleo_cookies, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // A token: its secret on the creation page only, never cached, never on the overview.
    let r = send(
        &site.app,
        Method::POST,
        "/ui/admin/tokens",
        &pat,
        Some(&format!(
            "csrf={csrf}&label=Firewall+%3Cb%3Erelay%3C%2Fb%3E&kind=ingest&tenant=ville-a&source_type=fortinet.fortigate"
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    let secret: String = r
        .text
        .split(r#"value="vgt_"#)
        .nth(1)
        .unwrap()
        .chars()
        .take(64)
        .collect();
    let secret = format!("vgt_{secret}");
    assert!(r.text.contains("Firewall &lt;b&gt;relay"));
    let token = site
        .store
        .token_by_secret_hash(&vigie_access::token::hash_secret(&secret))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(token.owner, vigie_access::TokenOwner::Tenant(site.a));
    assert_eq!(token.source_type.as_deref(), Some("fortinet.fortigate"));
    let r = send(&site.app, Method::GET, "/ui/admin", &pat, None).await;
    assert!(!r.text.contains(&secret));
    assert!(r.text.contains("<code>fortinet.fortigate</code>"));
    // A source type that is not one, or on a token that cannot ingest, is refused naming it.
    for (kind, source_type) in [("ingest", "Not+A+Type"), ("read", "linux.auditd")] {
        let r = send(
            &site.app,
            Method::POST,
            "/ui/admin/tokens",
            &pat,
            Some(&format!(
                "csrf={csrf}&label=x&kind={kind}&tenant=ville-a&source_type={source_type}"
            )),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{kind} {source_type}");
        assert!(
            r.text.contains(&source_type.replace('+', " ")),
            "{}",
            r.text
        );
    }
    assert!(
        r.text
            .contains(&format!("/ui/admin/tokens/{}/revoke", token.id))
    );
    let r = send(
        &site.app,
        Method::POST,
        &format!("/ui/admin/tokens/{}/revoke", token.id),
        &pat,
        Some(&format!("csrf={csrf}")),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let token = site
        .store
        .token_by_secret_hash(&vigie_access::token::hash_secret(&secret))
        .await
        .unwrap()
        .unwrap();
    assert!(token.revoked);
    // An SLA contract; an impossible pair is refused naming both values.
    let r = send(
        &site.app,
        Method::POST,
        "/ui/admin/sla/ville-a",
        &pat,
        Some(&format!(
            "csrf={csrf}&calendar=business&warn_percent=75&ack_critical=240&resolve_critical=15"
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text.contains("240") && r.text.contains("15"),
        "{}",
        r.text
    );
    let r = send(
        &site.app,
        Method::POST,
        "/ui/admin/sla/ville-a",
        &pat,
        Some(&format!(
            "csrf={csrf}&calendar=business&warn_percent=75&ack_critical=15&resolve_critical=240&ack_high=60&resolve_high=480"
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let contract = site
        .store
        .sla_contract(&platform, site.a)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(contract.calendar, vigie_soc::sla::Calendar::Business);
    assert_eq!(contract.targets.len(), 2);
    assert_eq!(contract.warn_ratio, 0.75);
    let r = send(&site.app, Method::GET, "/ui/admin/sla/ville-a", &pat, None).await;
    assert!(
        r.text.contains(r#"name="ack_critical" value="15""#),
        "{}",
        r.text
    );
    let actions = audit_actions(&site).await;
    for action in ["tenant.create", "token.create", "token.revoke"] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
    assert!(actions.iter().any(|a| a.contains("sla")), "{actions:?}");

    // A SOC lead of A and B: reads users, sets SLA, but creates neither users nor tokens,
    // and has no SLA form for a tenant outside its scope.
    let (lea, lea_csrf) = login(&site.app, "lea").await;
    let r = send(&site.app, Method::GET, "/ui/admin", &lea, None).await;
    assert!(!r.text.contains(r#"action="/ui/admin/users""#));
    assert!(!r.text.contains(r#"action="/ui/admin/tenants""#));
    assert!(r.text.contains("/ui/admin/sla/cpas-b"));
    let r = send(
        &site.app,
        Method::POST,
        "/ui/admin/users",
        &lea,
        Some(&format!(
            "csrf={lea_csrf}&username=mallory&password=another+long+password&role=analyst&tenants=ville-a"
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(&site.app, Method::GET, "/ui/admin/sla/zone-c", &lea, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = send(
        &site.app,
        Method::POST,
        "/ui/admin/sla/zone-c",
        &lea,
        Some(&format!("csrf={lea_csrf}&calendar=24x7")),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // An analyst gets no admin form handler at all.
    let (ana, ana_csrf) = login(&site.app, "ana").await;
    let r = send(
        &site.app,
        Method::POST,
        "/ui/admin/tokens",
        &ana,
        Some(&format!("csrf={ana_csrf}&label=x&kind=read&tenant=ville-a")),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn suppressions_views_and_language_per_user() {
    let site = site().await;
    let (lea, csrf) = login(&site.app, "lea").await;
    // A suppression for tenant A from the detection page, then ended.
    let r = send(
        &site.app,
        Method::POST,
        "/ui/detection/suppressions",
        &lea,
        Some(&format!(
            "csrf={csrf}&tenant=ville-a&rule_id=rule-1&reason=Backup+job&days=7"
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = send(
        &site.app,
        Method::POST,
        "/ui/detection/suppressions",
        &lea,
        Some(&format!(
            "csrf={csrf}&tenant=ville-a&rule_id=rule-1&reason=x&days=9999"
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("9999"));
    let r = send(
        &site.app,
        Method::POST,
        "/ui/detection/suppressions",
        &lea,
        Some(&format!(
            "csrf={csrf}&tenant=no-such&rule_id=rule-1&reason=x&days=1"
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let platform = Access::new(site.store.clone()).operator_scope();
    let list = site.store.list_suppressions(&platform).await.unwrap();
    assert_eq!(list.len(), 1);
    let id = list[0].id;
    for lang in ["fr", "nl", "de", "en"] {
        let r = send(
            &site.app,
            Method::GET,
            "/ui/detection",
            &format!("{lea}; vigie_lang={lang}"),
            None,
        )
        .await;
        assert!(
            r.text
                .contains(&format!("/ui/detection/suppressions/{id}/end"))
        );
        assert_no_missing_message(&r.text, lang);
    }
    // The analyst may not manage suppressions: no form, and the post is refused.
    let (ana, ana_csrf) = login(&site.app, "ana").await;
    let r = send(&site.app, Method::GET, "/ui/detection", &ana, None).await;
    assert!(!r.text.contains(r#"action="/ui/detection/suppressions""#));
    let r = send(
        &site.app,
        Method::POST,
        &format!("/ui/detection/suppressions/{id}/end"),
        &ana,
        Some(&format!("csrf={ana_csrf}")),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(
        &site.app,
        Method::POST,
        &format!("/ui/detection/suppressions/{id}/end"),
        &lea,
        Some(&format!("csrf={csrf}")),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let list = site.store.list_suppressions(&platform).await.unwrap();
    assert!(list[0].expires_at <= jiff::Timestamp::now());
    let actions = audit_actions(&site).await;
    assert!(
        actions.iter().filter(|a| a.contains("suppression")).count() >= 2,
        "{actions:?}"
    );

    // Saved views: one user's views are not another's.
    let r = send(
        &site.app,
        Method::POST,
        "/ui/alerts/views",
        &ana,
        Some(&format!(
            "csrf={ana_csrf}&name=High+on+A&query=status%3Dany%26tenant%3Dville-a%26min_severity%3Dhigh"
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(
        r.location(),
        "/ui/alerts?status=any&tenant=ville-a&min_severity=high"
    );
    let r = send(
        &site.app,
        Method::POST,
        "/ui/alerts/views",
        &ana,
        Some(&format!(
            "csrf={ana_csrf}&name=Bad&query=min_severity%3Dhuge"
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("huge"));
    let r = send(&site.app, Method::GET, "/ui/alerts", &ana, None).await;
    assert!(r.text.contains("High on A"), "{}", r.text);
    assert!(
        r.text
            .contains(r#"href="/ui/alerts?status=any&amp;tenant=ville-a&amp;min_severity=high""#)
    );
    let r = send(&site.app, Method::GET, "/ui/alerts", &lea, None).await;
    assert!(!r.text.contains("High on A"));
    let ana_id = site
        .store
        .list_users(&platform)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.username == "ana")
        .unwrap()
        .id;
    let view = site.store.saved_views(ana_id).await.unwrap()[0].id;
    let r = send(
        &site.app,
        Method::POST,
        &format!("/ui/alerts/views/{view}/delete"),
        &lea,
        Some(&format!("csrf={csrf}")),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = send(
        &site.app,
        Method::POST,
        &format!("/ui/alerts/views/{view}/delete"),
        &ana,
        Some(&format!("csrf={ana_csrf}")),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(site.store.saved_views(ana_id).await.unwrap().is_empty());

    // The language switch saves the choice for the user; the next login brings it back.
    let r = send(
        &site.app,
        Method::GET,
        "/ui/lang/nl?back=%2Fui%2Falerts",
        &ana,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        site.store.user_language(ana_id).await.unwrap().as_deref(),
        Some("nl")
    );
    // Without a session the switch only sets the browser's cookie.
    let r = send(&site.app, Method::GET, "/ui/lang/de", "", None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = send(
        &site.app,
        Method::POST,
        "/ui/login",
        "vigie_lang=fr",
        Some("username=ana&password=a+long+enough+password&next=%2Fui%2F"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let cookies: Vec<_> = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        cookies.iter().any(|c| c.starts_with("vigie_lang=nl;")),
        "{cookies:?}"
    );
    // A user who never chose keeps the browser's language.
    let r = send(
        &site.app,
        Method::POST,
        "/ui/login",
        "vigie_lang=fr",
        Some("username=lea&password=a+long+enough+password&next=%2Fui%2F"),
    )
    .await;
    assert!(
        !r.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|v| v.to_str().unwrap().starts_with("vigie_lang="))
    );
}

#[tokio::test]
async fn dashboard_chart_and_hunt_page_in_scope() {
    use vigie_store::{EmbeddedConfig, EmbeddedStore, EventStore};
    let site = site().await;
    site.alert(site.a, 1, "One").await;
    site.alert(site.a, 2, "Two").await;
    site.alert(site.b, 3, "Three").await;
    let (ana, _) = login(&site.app, "ana").await;
    for lang in ["fr", "nl", "de", "en"] {
        let r = send(
            &site.app,
            Method::GET,
            "/ui/",
            &format!("{ana}; vigie_lang={lang}"),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.text
                .contains(r#"aria-labelledby="alerts-hour-title alerts-hour-desc""#)
        );
        assert_no_missing_message(&r.text, lang);
        // Without the event store, the hunt page says so.
        let r = send(
            &site.app,
            Method::GET,
            "/ui/hunt?q=*",
            &format!("{ana}; vigie_lang={lang}"),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_no_missing_message(&r.text, lang);
    }
    let r = send(&site.app, Method::GET, "/ui/", &ana, None).await;
    assert!(
        r.text.contains("3 alerts in the last 24 hours"),
        "{}",
        r.text
    );

    // The hunt page on a real embedded store holding events of both tenants.
    let dir = tempfile::tempdir().unwrap();
    let events = Arc::new(
        EmbeddedStore::open(EmbeddedConfig {
            dir: dir.path().join("store"),
            ..EmbeddedConfig::default()
        })
        .unwrap(),
    );
    let now = jiff::Timestamp::now();
    let mut batch = Vec::new();
    for (n, tenant) in [(0, site.a), (1, site.a), (2, site.b)] {
        let mut fields = serde_json::Map::new();
        fields.insert("EventID".into(), 4625.into());
        fields.insert(
            "user".into(),
            serde_json::json!({"name": format!("<i>user{n}</i>")}),
        );
        batch.push(vigie_store::model::LoggedEvent::new(
            n as u64,
            vigie_event::Event::new(
                tenant,
                now - jiff::SignedDuration::from_mins(10 * n),
                "http",
                fields,
            ),
        ));
    }
    events.write(batch).await.unwrap();
    let app = site
        .app
        .clone()
        .layer(axum::Extension(crate::ui::EventBook::new(events, 1000)));
    let r = send(&app, Method::GET, "/ui/hunt?q=EventID%3A4625", &ana, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("3 rows"), "{}", r.text);
    assert!(r.text.contains("&lt;i&gt;user0"));
    assert!(
        r.text
            .contains(r#"aria-labelledby="hunt-chart-title hunt-chart-desc""#)
    );
    let r = send(
        &app,
        Method::GET,
        "/ui/hunt?q=EventID%3A4625+%7C+timechart+span%3D1h+count()+by+%40tenant&from=-2h",
        &ana,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains(r#"<ul class="legend">"#) && r.text.contains("cpas-b"));
    // Narrowed to one tenant of the scope; another tenant is not found.
    let r = send(&app, Method::GET, "/ui/hunt?q=*&tenant=cpas-b", &ana, None).await;
    assert!(r.text.contains("1 row"), "{}", r.text);
    let r = send(&app, Method::GET, "/ui/hunt?q=*&tenant=zone-z", &ana, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A bad query is named, and kept in the box.
    let r = send(&app, Method::GET, "/ui/hunt?q=EventID%3A%28", &ana, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains(r#"id="hunt-error""#) && r.text.contains("EventID:("));
    let r = send(
        &app,
        Method::GET,
        "/ui/hunt?q=*&from=yesterdayish",
        &ana,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("yesterdayish"));
    // A client contact has no hunt page.
    let (bert, _) = login(&site.app, "bert").await;
    let r = send(&app, Method::GET, "/ui/hunt?q=*", &bert, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn own_api_tokens_created_once_and_revoked_by_their_user_only() {
    let site = site().await;
    let (ana, csrf) = login(&site.app, "ana").await;
    for lang in ["fr", "nl", "de", "en"] {
        let r = send(
            &site.app,
            Method::GET,
            "/ui/tokens",
            &format!("{ana}; vigie_lang={lang}"),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_no_missing_message(&r.text, lang);
        // Only what an analyst's role allows is offered.
        assert!(r.text.contains(r#"value="triage_alerts""#));
        assert!(!r.text.contains(r#"value="manage_sla""#));
    }
    let form =
        "label=Ticketing&permissions=read_desk&permissions=triage_alerts&tenants=ville-a&days=30";
    let r = send(&site.app, Method::POST, "/ui/tokens", &ana, Some(form)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token");
    let r = send(
        &site.app,
        Method::POST,
        "/ui/tokens",
        &ana,
        Some(&format!("csrf={csrf}&{form}")),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    let secret: String = r
        .text
        .split(r#"value="vgu_"#)
        .nth(1)
        .unwrap()
        .chars()
        .take(64)
        .collect();
    let secret = format!("vgu_{secret}");
    let (token, user) = site
        .store
        .user_token_by_secret_hash(&vigie_access::token::hash_secret(&secret))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.username, "ana");
    assert_eq!(token.tenants, Some(vec![site.a]));
    assert_eq!(token.permissions.len(), 2);
    assert!(token.expires_at.is_some());
    let r = send(&site.app, Method::GET, "/ui/tokens", &ana, None).await;
    assert!(r.text.contains("Ticketing") && !r.text.contains(&secret));
    // A permission beyond the role, a tenant outside the scope, a bad duration: refused.
    for (extra, status) in [
        ("permissions=manage_sla", StatusCode::FORBIDDEN),
        (
            "permissions=read_desk&tenants=zone-z",
            StatusCode::NOT_FOUND,
        ),
        (
            "permissions=read_desk&days=forever",
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let r = send(
            &site.app,
            Method::POST,
            "/ui/tokens",
            &ana,
            Some(&format!("csrf={csrf}&label=x&{extra}")),
        )
        .await;
        assert!(r.status.is_client_error(), "{extra}: {}", r.status);
        if status == StatusCode::BAD_REQUEST {
            assert!(r.text.contains("forever"));
        }
    }
    // Another user cannot revoke it; its owner can.
    let (lea, lea_csrf) = login(&site.app, "lea").await;
    let uri = format!("/ui/tokens/{}/revoke", token.id);
    let r = send(
        &site.app,
        Method::POST,
        &uri,
        &lea,
        Some(&format!("csrf={lea_csrf}")),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = send(
        &site.app,
        Method::POST,
        &uri,
        &ana,
        Some(&format!("csrf={csrf}")),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (token, _) = site
        .store
        .user_token_by_secret_hash(&vigie_access::token::hash_secret(&secret))
        .await
        .unwrap()
        .unwrap();
    assert!(token.revoked);
    // A client contact has its own page too.
    let (bert, _) = login(&site.app, "bert").await;
    let r = send(&site.app, Method::GET, "/ui/tokens", &bert, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains(r#"href="/ui/tokens""#));
}

/// A value a user controls, as hostile as markup gets: a script element, both quotes and an
/// ampersand.
const EVIL: &str = "<script>alert(1)</script>\"'&";

/// [`EVIL`] as the pages must show it: every special character escaped.
const EVIL_SHOWN: &str = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;";

/// [`EVIL`] inside a JSON text (a timeline entry's details), then escaped.
const EVIL_SHOWN_IN_JSON: &str = "&lt;script&gt;alert(1)&lt;/script&gt;\\&quot;&#39;&amp;";

/// Checks that `page` shows [`EVIL`] at least `at_least` times, and only escaped: every
/// occurrence of its text (`alert(1)`) is inside the whole escaped value, and no raw
/// `<script>` or quote of it reaches the page.
fn assert_only_escaped(page: &str, context: &str, at_least: usize) {
    let shown = page.matches(EVIL_SHOWN).count();
    let marker = page.matches("alert(1)").count() - page.matches(EVIL_SHOWN_IN_JSON).count();
    assert!(
        shown >= at_least,
        "{context}: the value is shown {shown} times, expected at least {at_least}: {page}"
    );
    assert_eq!(
        marker, shown,
        "{context}: the value appears unescaped or partly escaped: {page}"
    );
    assert!(
        !page.contains("<script>"),
        "{context}: raw <script>: {page}"
    );
}

/// A form or query value.
fn enc(text: &str) -> String {
    crate::ui::html::url_encode(text)
}

/// Every page that shows user-controlled text (tenant names, rule titles and ids, incident
/// titles, comments, tasks, event fields on the alert page and in hunt results, user names,
/// token labels, suppression reasons, saved view names, rejected rule files, query text and
/// the values error messages repeat) shows a hostile value only escaped, in every language:
/// the templates escape every value by construction.
#[tokio::test]
async fn user_controlled_text_is_shown_only_escaped_on_every_page() {
    use vigie_soc::desk::NewIncident;
    use vigie_store::{EmbeddedConfig, EmbeddedStore, EventStore};
    let site = site().await;
    platform_admin(&site).await;
    let platform = Access::new(site.store.clone()).operator_scope();
    // A tenant whose display name is hostile, and a SOC analyst whose user name is.
    let x = site
        .store
        .create_tenant(&TenantSlug::new("zone-x").unwrap(), EVIL)
        .await
        .unwrap()
        .id;
    site.store
        .add_user(
            &Actor::operator(),
            &platform,
            &NewUser {
                username: EVIL.to_owned(),
                password: PASSWORD.to_owned(),
                role: Role::SocLead,
                tenants: vec![site.a, x],
            },
        )
        .await
        .unwrap();
    site.store
        .add_user(
            &Actor::operator(),
            &platform,
            &NewUser {
                username: "xena".to_owned(),
                password: PASSWORD.to_owned(),
                role: Role::TenantUser,
                tenants: vec![x],
            },
        )
        .await
        .unwrap();
    // A rule file whose title, id, path and reason are hostile.
    site.store
        .replace_rule_status(&[vigie_soc::RuleStatus {
            path: format!("rules/{EVIL}.yml"),
            audience: vigie_soc::RuleAudience::Everyone,
            rule_id: Some(EVIL.to_owned()),
            title: Some(EVIL.to_owned()),
            severity: Some(Severity::High),
            loaded: false,
            reason: Some(EVIL.to_owned()),
        }])
        .await
        .unwrap();
    // An alert whose rule title and event fields (names and values) are hostile.
    let alert = NewAlert {
        tenant: x,
        rule_id: EVIL.to_owned(),
        rule_title: EVIL.to_owned(),
        severity: Severity::Critical,
        event_id: EventId(7),
        event_received_at: jiff::Timestamp::now(),
        event: serde_json::json!({"user": {"name": EVIL}, EVIL: "value", "host.name": "ws-9"}),
        group_key: None,
    };
    let alert_id = alert.id();
    site.store.insert_alerts(&[alert]).await.unwrap();
    // An SLA contract whose clocks are at risk at once: the dashboard lists the incident.
    let contract = vigie_soc::sla::SlaContract {
        calendar: vigie_soc::sla::Calendar::TwentyFourSeven,
        targets: [(
            Severity::Critical,
            vigie_soc::sla::Target {
                acknowledge_minutes: 600,
                resolve_minutes: 1200,
            },
        )]
        .into_iter()
        .collect(),
        warn_ratio: 0.0,
    };
    site.store
        .set_sla_contract(&Actor::operator(), &platform, x, &contract)
        .await
        .unwrap();
    let incident = site
        .store
        .create_incident(
            &Actor::operator(),
            &platform,
            &NewIncident {
                tenant: x,
                title: EVIL.to_owned(),
                severity: None,
                rsit_class: None,
                rsit_type: None,
                tlp: None,
                alerts: vec![alert_id.clone()],
            },
        )
        .await
        .unwrap()
        .id;
    site.store
        .add_task(&Actor::operator(), &platform, incident, EVIL)
        .await
        .unwrap();

    // The hostile user signs in (its name is in the header of every page) and works.
    let r = send(
        &site.app,
        Method::POST,
        "/ui/login",
        "",
        Some(&format!(
            "username={}&password=a+long+enough+password&next=%2Fui%2F",
            enc(EVIL)
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let mut pairs = Vec::new();
    let mut csrf = String::new();
    for v in r.headers.get_all(header::SET_COOKIE) {
        let pair = v.to_str().unwrap().split(';').next().unwrap().to_owned();
        if let Some(token) = pair.strip_prefix("__Host-vigie_csrf=") {
            csrf = token.to_owned();
        }
        pairs.push(pair);
    }
    let evil_user = pairs.join("; ");
    let posts = [
        (
            format!("/ui/incidents/{incident}/comment"),
            // A question, so the client's portal shows it too (its open questions).
            format!("body={}&kind=question", enc(EVIL)),
        ),
        (
            format!("/ui/incidents/{incident}/update"),
            "status=in_progress".to_owned(),
        ),
        (
            "/ui/detection/suppressions".to_owned(),
            format!(
                "tenant=zone-x&rule_id={e}&group_key={e}&reason={e}&days=30",
                e = enc(EVIL)
            ),
        ),
        (
            "/ui/alerts/views".to_owned(),
            format!("name={}&query=status%3Dany", enc(EVIL)),
        ),
        // The NIS2 case: awareness with a hostile reason, report fields with hostile texts.
        (
            format!("/ui/incidents/{incident}/nis2/awareness"),
            format!(
                "aware_at={}&reason={}",
                enc(&jiff::Timestamp::now().to_string()),
                enc(EVIL)
            ),
        ),
        (
            format!("/ui/incidents/{incident}/nis2/record"),
            format!(
                "text_lang=en&suspected_malicious=yes&cross_border=no&summary={e}&reporter={e}\
                 &mitigations=applied%3A+{e}&timeline=2026-01-01+10%3A00+{e}",
                e = enc(EVIL)
            ),
        ),
    ];
    for (uri, form) in &posts {
        let r = send(
            &site.app,
            Method::POST,
            uri,
            &evil_user,
            Some(&format!("csrf={csrf}&{form}")),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{uri}: {}", r.text);
    }
    // The user's own token, whose label is hostile: shown once with its secret, then listed.
    let r = send(
        &site.app,
        Method::POST,
        "/ui/tokens",
        &evil_user,
        Some(&format!(
            "csrf={csrf}&label={}&permissions=read_desk",
            enc(EVIL)
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_only_escaped(&r.text, "own token created", 2);

    let evil_q = enc(EVIL);
    let mut pages = vec![
        ("/ui/".to_owned(), 2),
        ("/ui/alerts?status=any".to_owned(), 6),
        (format!("/ui/alerts?status=any&rule={evil_q}"), 7),
        (format!("/ui/alerts/{alert_id}"), 7),
        ("/ui/incidents?status=any".to_owned(), 3),
        (format!("/ui/incidents/{incident}"), 16),
        ("/ui/nis2".to_owned(), 2),
        ("/ui/sla".to_owned(), 1),
        ("/ui/detection".to_owned(), 11),
        ("/ui/hunt".to_owned(), 2),
        ("/ui/tokens".to_owned(), 3),
        ("/ui/admin".to_owned(), 3),
        ("/ui/admin/sla/zone-x".to_owned(), 3),
    ];
    // Values that error pages repeat.
    pages.push((format!("/ui/alerts?tenant={evil_q}"), 2));
    pages.push((format!("/ui/incidents/{evil_q}"), 2));
    pages.push((format!("/ui/sla?days={evil_q}"), 2));
    pages.push((format!("/ui/hunt?q=*&from={evil_q}"), 3));
    for lang in ["fr", "nl", "de", "en"] {
        let cookies = format!("{evil_user}; vigie_lang={lang}");
        for (page, at_least) in &pages {
            let r = send(&site.app, Method::GET, page, &cookies, None).await;
            let context = format!("{lang} {page}");
            assert!(
                r.status == StatusCode::OK || r.status.is_client_error(),
                "{context}: {}",
                r.status
            );
            assert_only_escaped(&r.text, &context, *at_least);
            assert_no_missing_message(&r.text, &context);
        }
    }
    // The queue's rows for the refresh carry escaped HTML too.
    let r = send(
        &site.app,
        Method::GET,
        "/ui/alerts/rows?status=any",
        &evil_user,
        None,
    )
    .await;
    let rows: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    assert_only_escaped(rows["rows"].as_str().unwrap(), "queue rows", 2);

    // The platform admin: the hostile tenant and user in the tables, a token labelled with it.
    let (pat, pat_csrf) = login(&site.app, "pat").await;
    let r = send(
        &site.app,
        Method::POST,
        "/ui/admin/tokens",
        &pat,
        Some(&format!(
            "csrf={pat_csrf}&label={}&tenant=zone-x&kind=ingest",
            enc(EVIL)
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_only_escaped(&r.text, "admin token created", 1);
    let users = site.store.list_users(&platform).await.unwrap();
    let evil_id = users.iter().find(|u| u.username == EVIL).unwrap().id;
    for (page, at_least) in [
        ("/ui/admin".to_owned(), 7),
        (format!("/ui/admin/users/{evil_id}"), 2),
        ("/ui/admin/sla/zone-x".to_owned(), 2),
        ("/ui/alerts?status=any".to_owned(), 3),
        ("/ui/hunt".to_owned(), 1),
    ] {
        let r = send(&site.app, Method::GET, &page, &pat, None).await;
        assert_eq!(r.status, StatusCode::OK, "{page}");
        assert_only_escaped(&r.text, &format!("admin {page}"), at_least);
    }
    // The client contact of the hostile tenant: the portal's pages.
    let (xena_cookies, _) = login(&site.app, "xena").await;
    for (page, at_least) in [
        // The incident's title in the list and in the open question above it, and the
        // question's text.
        ("/ui/incidents?status=any".to_owned(), 3),
        (format!("/ui/incidents/{incident}"), 8),
        // The incident's title on each stage's row of its NIS2 case.
        ("/ui/nis2".to_owned(), 2),
    ] {
        let r = send(&site.app, Method::GET, &page, &xena_cookies, None).await;
        assert_eq!(r.status, StatusCode::OK, "{page}");
        assert_only_escaped(&r.text, &format!("portal {page}"), at_least);
    }
    // The login form repeats where to go next; the language links carry it URL-encoded.
    let r = send(
        &site.app,
        Method::GET,
        &format!("/ui/login?next=%2Fui%2F{evil_q}"),
        "",
        None,
    )
    .await;
    assert_only_escaped(&r.text, "login next", 1);
    assert!(r.text.contains(&format!(
        "back=%2Fui%2Flogin%3Fnext%3D%252Fui%252F{}",
        enc(&evil_q)
    )));

    // Hunt results and the chart: hostile field values, group names and query text.
    let dir = tempfile::tempdir().unwrap();
    let events = Arc::new(
        EmbeddedStore::open(EmbeddedConfig {
            dir: dir.path().join("store"),
            ..EmbeddedConfig::default()
        })
        .unwrap(),
    );
    let now = jiff::Timestamp::now();
    let mut fields = serde_json::Map::new();
    fields.insert("EventID".into(), 4625.into());
    fields.insert("user".into(), serde_json::json!({ "name": EVIL }));
    events
        .write(vec![vigie_store::model::LoggedEvent::new(
            0,
            vigie_event::Event::new(x, now, "http", fields),
        )])
        .await
        .unwrap();
    let app = site
        .app
        .clone()
        .layer(axum::Extension(crate::ui::EventBook::new(events, 1000)));
    for (query, status, at_least) in [
        ("EventID:4625", StatusCode::OK, 2),
        (
            "EventID:4625 | timechart span=1h count() by user.name",
            StatusCode::OK,
            6,
        ),
    ] {
        let uri = format!("/ui/hunt?q={}&from=-2h", enc(query));
        let r = send(&app, Method::GET, &uri, &evil_user, None).await;
        assert_eq!(r.status, status, "{query}: {}", r.text);
        assert_only_escaped(&r.text, query, at_least);
    }
    // A hostile query stays in the box, escaped; the error quotes (part of) it, escaped.
    let r = send(
        &app,
        Method::GET,
        &format!("/ui/hunt?q={}", enc(EVIL)),
        &evil_user,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(r.text.contains(&format!(
        r#"aria-describedby="hunt-help">{EVIL_SHOWN}</textarea>"#
    )));
    let error = r.text.split(r#"id="hunt-error">"#).nth(1).unwrap();
    let error = error.split("</p>").next().unwrap();
    assert!(error.contains("&lt;script&gt;alert(1)"), "{error}");
    assert!(
        !r.text.contains("<script>") && !error.contains(['<', '>', '"']),
        "{error}"
    );
}

/// The Content-Security-Policy of the pages is strict: scripts and styles only from this
/// site's files (never inline, never evaluated), no plugins, no `<base>`, no framing, forms
/// posted only here; and the pages have no inline script, style or event handler for it to
/// allow.
#[tokio::test]
async fn content_security_policy_is_strict_and_pages_have_nothing_inline() {
    let site = site().await;
    site.alert(site.a, 1, "One").await;
    let (ana, _) = login(&site.app, "ana").await;
    for (uri, cookies) in [
        ("/ui/login", ""),
        ("/ui/", ana.as_str()),
        ("/ui/alerts", ana.as_str()),
        ("/ui/incidents", ana.as_str()),
        ("/ui/incidents/999", ana.as_str()),
        ("/static/vigie.css", ""),
        ("/api/v1/alerts", ""),
    ] {
        let r = send(&site.app, Method::GET, uri, cookies, None).await;
        let csp = r
            .headers
            .get(header::CONTENT_SECURITY_POLICY)
            .unwrap_or_else(|| panic!("{uri}: no Content-Security-Policy"))
            .to_str()
            .unwrap();
        let directives: std::collections::BTreeMap<&str, &str> = csp
            .split(';')
            .filter_map(|d| d.trim().split_once(' '))
            .collect();
        for (name, value) in [
            ("default-src", "'self'"),
            ("script-src", "'self'"),
            ("style-src", "'self'"),
            ("object-src", "'none'"),
            ("base-uri", "'none'"),
            ("frame-ancestors", "'none'"),
            ("form-action", "'self'"),
        ] {
            assert_eq!(directives.get(name), Some(&value), "{uri}: {name} in {csp}");
        }
        for loose in ["unsafe", "*", "data:", "http:", "https:", "blob:"] {
            assert!(!csp.contains(loose), "{uri}: {loose} in {csp}");
        }
        if !uri.starts_with("/ui") {
            continue;
        }
        let page = r.text.to_ascii_lowercase();
        assert!(page.contains("<html"), "{uri}: {}", r.status);
        assert_eq!(
            page.matches("<script").count(),
            page.matches(r#"<script src="/static/vigie.js" defer></script>"#)
                .count(),
            "{uri}: an inline script"
        );
        assert!(
            !page.contains("<style") && !page.contains(" style="),
            "{uri}"
        );
        assert!(!page.contains("javascript:"), "{uri}");
        for attribute in page.split_whitespace() {
            assert!(
                !(attribute.starts_with("on") && attribute.contains('=')),
                "{uri}: event handler {attribute}"
            );
        }
    }
}

/// The conversation on an incident: the SOC's internal note never reaches the client's
/// pages (incident page, open questions) nor the API with the client's session; the SOC asks
/// a question, the client finds it above its incidents and answers it in Dutch, the SOC
/// reads the answer. A client cannot post an internal note or a question.
#[tokio::test]
async fn internal_notes_stay_internal_and_the_client_answers_the_socs_question() {
    let site = site().await;
    let alert = site.alert(site.b, 7, "Phishing at CPAS B").await;
    let (ana, csrf) = login(&site.app, "ana").await;
    let r = send(
        &site.app,
        Method::POST,
        &format!("/ui/alerts/{alert}/action"),
        &ana,
        Some(&format!("action=escalate&csrf={csrf}")),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let incident = r.location().to_owned();
    let post = |cookies: String, body: String| {
        let app = site.app.clone();
        let uri = format!("{incident}/comment");
        async move { send(&app, Method::POST, &uri, &cookies, Some(&body)).await }
    };
    for (kind, text) in [
        ("", "Probably+their+intern+again"),
        ("&kind=shared", "We+blocked+the+sender"),
        ("&kind=question", "Did+anyone+enter+a+password%3F"),
    ] {
        let r = post(ana.clone(), format!("csrf={csrf}&body={text}{kind}")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{kind}: {}", r.text);
    }
    let r = send(&site.app, Method::GET, &incident, &ana, None).await;
    assert!(r.text.contains("Probably their intern again"), "{}", r.text);
    assert!(r.text.contains("Internal note (SOC only)"), "{}", r.text);
    assert!(r.text.contains("awaiting an answer"), "{}", r.text);

    let (bert, bert_csrf) = login(&site.app, "bert").await;
    let dutch = format!("{bert}; vigie_lang=nl");
    let list = send(&site.app, Method::GET, "/ui/incidents", &dutch, None).await;
    assert!(
        list.text
            .contains("Vragen van het SOC die op uw antwoord wachten")
            && list.text.contains("Did anyone enter a password?"),
        "{}",
        list.text
    );
    let page = send(&site.app, Method::GET, &incident, &dutch, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("We blocked the sender"), "{}", page.text);
    assert!(page.text.contains("Uw antwoord"), "{}", page.text);
    let number = incident.rsplit('/').next().unwrap().to_owned();
    let api = send(
        &site.app,
        Method::GET,
        &format!("/api/v1/incidents/{number}"),
        &bert,
        None,
    )
    .await;
    assert_eq!(api.status, StatusCode::OK);
    for shown in [&page.text, &list.text, &api.text] {
        assert!(!shown.contains("intern again"), "{shown}");
        assert!(!shown.contains("Interne notitie"), "{shown}");
    }
    let detail: serde_json::Value = serde_json::from_str(&api.text).unwrap();
    let question = detail["comments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "question")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    // What a client may not write.
    for body in ["kind=internal", "kind=question", "kind=bogus"] {
        let r = post(bert.clone(), format!("csrf={bert_csrf}&body=x&{body}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text);
    }
    let r = post(
        dutch.clone(),
        format!("csrf={bert_csrf}&answers={question}&body=Nee%2C+niemand+heeft+iets+ingevuld"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let list = send(&site.app, Method::GET, "/ui/incidents", &dutch, None).await;
    assert!(
        !list.text.contains("Did anyone enter"),
        "answered: {}",
        list.text
    );
    let r = send(&site.app, Method::GET, &incident, &ana, None).await;
    assert!(
        r.text.contains("Nee, niemand heeft iets ingevuld")
            && r.text.contains("Question to the client, answered"),
        "{}",
        r.text
    );
}

/// An API call with a session (and its CSRF header on a POST) or a bearer token.
async fn api(app: &axum::Router, method: Method, uri: &str, auth: &str, csrf: &str) -> Reply {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, "127.0.0.1:8470");
    req = if auth.starts_with("vg") {
        req.header(header::AUTHORIZATION, format!("Bearer {auth}"))
    } else {
        req.header(header::COOKIE, auth)
            .header("x-csrf-token", csrf)
    };
    let response = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// The notification log, in the API and on its page: the SOC's staff read the outbox of
/// their tenants, newest first, the dead letters first on the page; a SOC lead puts a dead
/// one back in the queue (audited), an analyst may not; a SOC user of tenant A reaches
/// nothing of B; a client gets 403 from the API and no page; a delivery reads as a sentence
/// on the incident's timeline.
#[tokio::test]
async fn notification_log_and_dead_letters_for_the_soc_only() {
    use vigie_soc::desk::NewIncident;
    use vigie_soc::notify::{Channel, Delivery, NewNotification, NotifyEvent};

    let site = site().await;
    let platform = Access::new(site.store.clone()).operator_scope();
    site.store
        .add_user(
            &Actor::operator(),
            &platform,
            &NewUser {
                username: "otto".to_owned(),
                password: PASSWORD.to_owned(),
                role: Role::SocLead,
                tenants: vec![site.a],
            },
        )
        .await
        .unwrap();
    let incident = site
        .store
        .create_incident(
            &Actor::operator(),
            &platform,
            &NewIncident {
                tenant: site.a,
                title: "Ransomware at Ville A".into(),
                severity: Some(Severity::High),
                rsit_class: None,
                rsit_type: None,
                tlp: None,
                alerts: vec![],
            },
        )
        .await
        .unwrap()
        .id;
    let now = jiff::Timestamp::now();
    let note = |dedup: &str, tenant: TenantId, recipient: &str| NewNotification {
        dedup: dedup.into(),
        tenant: Some(tenant),
        incident: None,
        event: NotifyEvent::Alert,
        channel: Channel::Email,
        recipient: recipient.into(),
        address: format!("{}@soc.example", dedup.replace(':', "-")),
        client: false,
        language: "fr".into(),
        subject: "Alerte".into(),
        body: "Bonjour".into(),
        subject_ref: None,
        team: None,
        level: 0,
        due_at: now - jiff::SignedDuration::from_mins(1),
    };
    let queued = site
        .store
        .enqueue_notifications(
            &[
                NewNotification {
                    incident: Some(incident),
                    client: true,
                    ..note("alert:1:to:ciso-a", site.a, "ciso-a")
                },
                NewNotification {
                    channel: Channel::Webhook,
                    team: Some("noc".into()),
                    level: 1,
                    event: NotifyEvent::SlaBreach,
                    ..note("sla:1:to:soc-a", site.a, "soc-a-hook")
                },
                note("alert:2:to:soc-b", site.b, "<b>soc-b</b>"),
            ],
            now,
        )
        .await
        .unwrap();
    assert_eq!(queued, 3);
    let claimed = site
        .store
        .claim_notifications(now, Duration::from_secs(60), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 3);
    let id_of = |dedup: &str| claimed.iter().find(|n| n.dedup == dedup).unwrap().id;
    let (sent_a, dead_a, dead_b) = (
        id_of("alert:1:to:ciso-a"),
        id_of("sla:1:to:soc-a"),
        id_of("alert:2:to:soc-b"),
    );
    site.store
        .finish_notification(sent_a, &Delivery::Sent, now)
        .await
        .unwrap();
    for (id, error) in [(dead_a, "550 no such user"), (dead_b, "connection refused")] {
        site.store
            .finish_notification(
                id,
                &Delivery::Dead {
                    error: error.into(),
                },
                now,
            )
            .await
            .unwrap();
    }
    let status_of = |list: &serde_json::Value, id: vigie_soc::notify::NotificationId| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == id.0)
            .map(|n| n["status"].as_str().unwrap().to_owned())
    };

    // A SOC lead of both tenants: every row in the API, newest first; the dead letters of
    // both on the page, each with its retry form; the nav entry.
    let (lea, lea_csrf) = login(&site.app, "lea").await;
    let r = api(&site.app, Method::GET, "/api/v1/notifications", &lea, "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let all: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    let ids: Vec<i64> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![dead_b.0, dead_a.0, sent_a.0], "newest first");
    assert_eq!(all[0]["last_error"], "connection refused");
    assert_eq!(all[0]["tenant_slug"], "cpas-b");
    let r = api(
        &site.app,
        Method::GET,
        &format!("/api/v1/notifications?status=sent&incident={incident}&limit=5"),
        &lea,
        "",
    )
    .await;
    let sent: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    assert_eq!(sent.as_array().unwrap().len(), 1, "{sent}");
    assert_eq!(sent[0]["recipient"], "ciso-a");
    for (query, named) in [
        ("status=bogus", "bogus"),
        ("limit=0", "limit"),
        ("incident=x1", "x1"),
        ("colour=red", "colour"),
    ] {
        let r = api(
            &site.app,
            Method::GET,
            &format!("/api/v1/notifications?{query}"),
            &lea,
            "",
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}: {}", r.text);
        assert!(r.text.contains(named), "{query}: {}", r.text);
    }
    let r = send(&site.app, Method::GET, "/ui/notifications", &lea, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.text
            .contains(r#"href="/ui/notifications" aria-current="page""#)
    );
    assert!(r.text.contains("soc-a-hook") && r.text.contains("&lt;b&gt;soc-b&lt;/b&gt;"));
    assert!(!r.text.contains("<b>soc-b"), "escaped");
    assert!(
        !r.text.contains("ciso-a"),
        "the dead letters only by default"
    );
    assert!(r.text.contains("550 no such user") && r.text.contains("level 1 · noc"));
    for id in [dead_a, dead_b] {
        assert!(
            r.text
                .contains(&format!(r#"action="/ui/notifications/{id}/retry""#)),
            "{id}"
        );
    }
    let r = send(
        &site.app,
        Method::GET,
        "/ui/notifications?status=sent",
        &lea,
        None,
    )
    .await;
    assert!(r.text.contains("ciso-a") && !r.text.contains("soc-a-hook"));
    assert!(
        r.text
            .contains(&format!(r#"href="/ui/incidents/{incident}""#))
    );
    assert!(!r.text.contains("/retry"), "no retry of a sent one");
    let r = send(
        &site.app,
        Method::GET,
        "/ui/notifications?status=bogus",
        &lea,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("bogus"), "{}", r.text);
    for lang in ["fr", "nl", "de", "en"] {
        let cookies = format!("{lea}; vigie_lang={lang}");
        let r = send(
            &site.app,
            Method::GET,
            "/ui/notifications?status=all",
            &cookies,
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{lang}");
        assert_no_missing_message(&r.text, &format!("{lang} notifications"));
        let r = send(
            &site.app,
            Method::GET,
            &format!("/ui/incidents/{incident}"),
            &cookies,
            None,
        )
        .await;
        assert_no_missing_message(&r.text, &format!("{lang} incident"));
    }

    // The delivery on the incident's timeline, as a sentence in the viewer's language.
    for (lang, sentence) in [
        (
            "en",
            "notified ciso-a by e-mail: Alert (seen by the client)",
        ),
        (
            "fr",
            "a notifié ciso-a par e-mail : Alerte (visible par le client)",
        ),
        (
            "de",
            "hat ciso-a per E-Mail benachrichtigt: Alarm (für den Kunden sichtbar)",
        ),
    ] {
        let r = send(
            &site.app,
            Method::GET,
            &format!("/ui/incidents/{incident}"),
            &format!("{lea}; vigie_lang={lang}"),
            None,
        )
        .await;
        assert!(r.text.contains(sentence), "{lang}: {}", r.text);
    }

    // An analyst reads the log but may not retry, in the API or on the page.
    let (ana, ana_csrf) = login(&site.app, "ana").await;
    let r = api(&site.app, Method::GET, "/api/v1/notifications", &ana, "").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&r.text)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let retry_api =
        |id: vigie_soc::notify::NotificationId| format!("/api/v1/notifications/{id}/retry");
    let retry_ui = |id: vigie_soc::notify::NotificationId| format!("/ui/notifications/{id}/retry");
    let r = api(&site.app, Method::POST, &retry_api(dead_a), &ana, &ana_csrf).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert!(r.text.contains("ManageSla"), "{}", r.text);
    let r = send(&site.app, Method::GET, "/ui/notifications", &ana, None).await;
    assert!(r.text.contains("soc-a-hook") && !r.text.contains("/retry"));
    let r = send(
        &site.app,
        Method::POST,
        &retry_ui(dead_a),
        &ana,
        Some(&format!("csrf={ana_csrf}")),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // A SOC lead of tenant A only: A's rows, nothing of B, B's dead letter not found.
    let (otto, otto_csrf) = login(&site.app, "otto").await;
    let r = api(&site.app, Method::GET, "/api/v1/notifications", &otto, "").await;
    let of_a: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    assert_eq!(of_a.as_array().unwrap().len(), 2, "{of_a}");
    assert!(
        of_a.as_array()
            .unwrap()
            .iter()
            .all(|n| n["tenant"] == site.a.0)
    );
    let r = send(&site.app, Method::GET, "/ui/notifications", &otto, None).await;
    assert!(r.text.contains("soc-a-hook") && !r.text.contains("soc-b"));
    let r = api(
        &site.app,
        Method::POST,
        &retry_api(dead_b),
        &otto,
        &otto_csrf,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = send(
        &site.app,
        Method::POST,
        &retry_ui(dead_b),
        &otto,
        Some(&format!("csrf={otto_csrf}")),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // A client: 403 from the API (session or tenant token), no page, no nav entry.
    let (bert, bert_csrf) = login(&site.app, "bert").await;
    let r = api(&site.app, Method::GET, "/api/v1/notifications", &bert, "").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert!(r.text.contains("the SOC"), "{}", r.text);
    let token = site
        .store
        .create_token(
            vigie_access::TokenOwner::Tenant(site.b),
            vigie_access::TokenKind::Admin,
            "b admin",
        )
        .await
        .unwrap()
        .secret;
    let r = api(&site.app, Method::GET, "/api/v1/notifications", &token, "").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = api(&site.app, Method::POST, &retry_api(dead_b), &token, "").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = send(&site.app, Method::GET, "/ui/notifications", &bert, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = send(
        &site.app,
        Method::POST,
        &retry_ui(dead_b),
        &bert,
        Some(&format!("csrf={bert_csrf}")),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = send(&site.app, Method::GET, "/ui/incidents", &bert, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains(r#"href="/ui/sla""#), "the portal's nav");
    assert!(!r.text.contains("/ui/notifications"), "no nav entry");

    // Nothing of the above retried anything.
    let r = api(&site.app, Method::GET, "/api/v1/notifications", &lea, "").await;
    let list: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    assert_eq!(status_of(&list, dead_a).as_deref(), Some("dead"));
    assert_eq!(status_of(&list, dead_b).as_deref(), Some("dead"));

    // The SOC lead retries B's on the page (refused without the form's CSRF token) and
    // A's through the API: both pending again, audited; a second retry finds no dead one.
    let r = send(
        &site.app,
        Method::POST,
        &retry_ui(dead_b),
        &lea,
        Some("status=all"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(
        &site.app,
        Method::POST,
        &retry_ui(dead_b),
        &lea,
        Some(&format!("csrf={lea_csrf}&status=all")),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(r.location(), "/ui/notifications?status=all");
    let r = api(&site.app, Method::POST, &retry_api(dead_a), &lea, &lea_csrf).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let r = api(&site.app, Method::POST, &retry_api(dead_a), &lea, &lea_csrf).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = api(
        &site.app,
        Method::GET,
        "/api/v1/notifications?status=pending",
        &lea,
        "",
    )
    .await;
    let pending: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    assert_eq!(status_of(&pending, dead_a).as_deref(), Some("pending"));
    assert_eq!(status_of(&pending, dead_b).as_deref(), Some("pending"));
    assert!(
        pending
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["attempts"] == 0),
        "{pending}"
    );
    let retries: Vec<_> = site
        .store
        .audit_entries(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "notify.retry")
        .map(|e| e.actor)
        .collect();
    assert_eq!(retries, vec!["user:lea".to_owned(), "user:lea".to_owned()]);
    let r = send(&site.app, Method::GET, "/ui/notifications", &lea, None).await;
    assert!(!r.text.contains("/retry"), "no dead letter left");
}

/// An incident of `tenant` without alerts, created by the operator.
async fn bare_incident(site: &Site, tenant: TenantId, title: &str) -> vigie_soc::IncidentId {
    let platform = Access::new(site.store.clone()).operator_scope();
    site.store
        .create_incident(
            &Actor::operator(),
            &platform,
            &vigie_soc::desk::NewIncident {
                tenant,
                title: title.into(),
                severity: None,
                rsit_class: None,
                rsit_type: None,
                tlp: None,
                alerts: Vec::new(),
            },
        )
        .await
        .unwrap()
        .id
}

/// An analyst walks a NIS2 case from the assessment to the submitted early warning through
/// the pages only: every form posts to its `/ui/` route, every refusal names its field in the
/// viewer's language, and the case the API then returns is the one the forms made, changed
/// by the analyst in the audit log.
#[tokio::test]
async fn an_analyst_walks_a_nis2_case_to_the_early_warning_through_the_pages() {
    use vigie_soc::nis2::Nis2Store;
    let site = site().await;
    let platform = Access::new(site.store.clone()).operator_scope();
    site.store
        .nis2_set_profile(
            &platform,
            site.b,
            &vigie_nis2::model::EntityProfile {
                legal_name: "CPAS B".into(),
                report_language: Some(vigie_nis2::model::Lang::Nl),
                ..Default::default()
            },
            "operator",
        )
        .await
        .unwrap();
    let id = bare_incident(&site, site.b, "Ransomware on the file servers").await;
    let page_uri = format!("/ui/incidents/{id}");
    let (ana, csrf) = login(&site.app, "ana").await;
    let post = |route: &str, body: String| {
        let app = site.app.clone();
        let uri = format!("/ui/incidents/{id}/nis2/{route}");
        let cookies = ana.clone();
        let body = format!("csrf={csrf}&{body}");
        async move { send(&app, Method::POST, &uri, &cookies, Some(&body)).await }
    };
    let saved = |r: &Reply, what: &str| {
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{what}: {}", r.text);
        assert_eq!(r.location(), format!("/ui/incidents/{id}#nis2-h"), "{what}");
    };

    // The section is there before anything happened, with every form, in four languages.
    for lang in ["en", "fr", "nl", "de"] {
        let page = send(
            &site.app,
            Method::GET,
            &page_uri,
            &format!("{ana}; vigie_lang={lang}"),
            None,
        )
        .await;
        assert_eq!(page.status, StatusCode::OK);
        assert_no_missing_message(&page.text, &format!("nis2 section {lang}"));
        for route in [
            "assess",
            "confirm",
            "awareness",
            "record",
            "case",
            "approve",
            "submit",
        ] {
            assert!(
                page.text
                    .contains(&format!("action=\"/ui/incidents/{id}/nis2/{route}\"")),
                "{lang}: no {route} form"
            );
        }
    }
    let page = send(&site.app, Method::GET, &page_uri, &ana, None).await;
    assert!(page.text.contains("No NIS2 case yet"), "{}", page.text);

    // Assessment: the engine proposes "significant" with its reason.
    let r = post(
        "assess",
        "severe_disruption_or_financial_loss.actual=yes&financial_loss_eur.actual=120000\
         &financial_loss_eur.projected=&considerable_damage_to_others.projected=unknown"
            .into(),
    )
    .await;
    saved(&r, "assess");
    let page = send(&site.app, Method::GET, &page_uri, &ana, None).await;
    assert!(
        page.text
            .contains(r#"<strong id="nis2-verdict">Significant</strong>"#),
        "{}",
        page.text
    );
    assert!(page.text.contains("23(3)(a)"), "the reason is shown");
    // A bad number names its field, in the viewer's language, on the incident page.
    let r = send(
        &site.app,
        Method::POST,
        &format!("/ui/incidents/{id}/nis2/assess"),
        &format!("{ana}; vigie_lang=fr"),
        Some(&format!("csrf={csrf}&deaths.actual=two")),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text.contains("id=\"nis2-error\"")
            && r.text
                .contains("Valeur « two » invalide pour Décès causés ou possibles"),
        "{}",
        r.text
    );
    assert!(
        r.text.contains("<h1>"),
        "the incident page, not a bare error"
    );

    // Confirmation of the proposal (no reason needed), then awareness.
    saved(
        &post("confirm", "verdict=significant&reason=".into()).await,
        "confirm",
    );
    let r = post("awareness", "aware_at=not-a-time&reason=x".into()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text
            .contains("Invalid value “not-a-time” for Awareness (Brussels time)"),
        "{}",
        r.text
    );
    let future = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(2);
    let r = post(
        "awareness",
        format!("aware_at={}&reason=x", enc(&future.to_string())),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text.contains("Not saved. Awareness (Brussels time): ")
            && r.text.contains("is in the future"),
        "{}",
        r.text
    );
    let aware = jiff::Timestamp::now();
    saved(
        &post(
            "awareness",
            format!(
                "aware_at={}&reason=Encryption+confirmed+on+two+servers",
                enc(&aware.to_string())
            ),
        )
        .await,
        "awareness",
    );

    // The early warning's fields; a list line that cannot be read is named by its number.
    let record = "text_lang=en&title=&reporter=Ana&contact=&authority_ref=\
                  &summary=Two+file+servers+encrypted&support_requested=\
                  &suspected_malicious=yes&cross_border=no&member_states=be%2C+fr\
                  &affected=&recipients=&expected_end=&severity=high&impact_severity=\
                  &outlook=&rsit=malicious-code%2Finfected-system&root_cause_category=\
                  &mitigations=ongoing%3A+accounts+reset&csirt_answers=\
                  &detailed_description=&root_cause=&lessons_learned=\
                  &timeline=2026-01-05+10%3A30+first+alert";
    let r = post("record", format!("{record}&iocs=ip")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text
            .contains("Indicators of compromise, line 1: “ip” cannot be read."),
        "{}",
        r.text
    );
    saved(
        &post(
            "record",
            format!("{record}&iocs=ip+203.0.113.7+TLP%3ARED%0Adomain+evil.example"),
        )
        .await,
        "record",
    );

    // Not submitted before it is approved; the refusal names the field.
    let submission = format!(
        "stages=early_warning&submitted_at={}&channel=platform&reference=CCB-2026-7\
         &language=nl&tlp=TLP%3AAMBER&lateness_reason=",
        enc(&jiff::Timestamp::now().to_string())
    );
    let r = post("submit", submission.clone()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text.contains("Not saved. Stages: ") && r.text.contains("is not approved"),
        "{}",
        r.text
    );
    saved(
        &post(
            "approve",
            "stage=early_warning&language=nl&tlp=TLP%3AAMBER".into(),
        )
        .await,
        "approve",
    );
    let page = send(&site.app, Method::GET, &page_uri, &ana, None).await;
    assert!(
        page.text.contains("Approved, awaiting submission"),
        "{}",
        page.text
    );
    saved(&post("submit", submission).await, "submit");

    // The case as the API returns it is what the forms made.
    let api = send(
        &site.app,
        Method::GET,
        &format!("/api/v1/incidents/{id}/nis2"),
        &ana,
        None,
    )
    .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.text);
    let reply: serde_json::Value = serde_json::from_str(&api.text).unwrap();
    let case = &reply["case"];
    let data = &case["data"];
    assert_eq!(data["state"], "early_warning_sent", "{case}");
    assert_eq!(data["proposed"], "significant");
    assert_eq!(data["confirmed"], "significant");
    assert_eq!(data["confirmed_by"], "user:ana");
    assert_eq!(data["aware_set_by"], "user:ana");
    assert_eq!(data["aware_reason"], "Encryption confirmed on two servers");
    assert_eq!(
        data["aware_at"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap(),
        aware
    );
    let record = &data["record"];
    assert_eq!(record["summary"]["text"], "Two file servers encrypted");
    assert_eq!(record["summary"]["lang"], "en");
    assert_eq!(record["suspected_malicious"], "yes");
    assert_eq!(record["cross_border"], "no");
    assert_eq!(record["member_states"], serde_json::json!(["BE", "FR"]));
    assert_eq!(record["severity"], "high");
    assert_eq!(record["rsit_type"], "infected-system");
    assert_eq!(record["iocs"][0]["tlp"], "TLP:RED");
    assert_eq!(record["iocs"][1]["value"], "evil.example");
    assert_eq!(record["mitigations"][0]["state"], "ongoing");
    assert_eq!(record["timeline"][0][1]["text"], "first alert");
    assert_eq!(
        data["facts"]["numbers"]["financial_loss_eur"],
        serde_json::json!([120000.0, null])
    );
    let submission = &case["submissions"][0];
    assert_eq!(submission["reference"], "CCB-2026-7");
    assert_eq!(submission["submitted_by"], "user:ana");
    assert_eq!(submission["language"], "nl");
    let approval = &data["approvals"][0];
    assert_eq!(approval["approved_by"], "user:ana");
    assert_eq!(approval["stage"], "early_warning");
    assert_eq!(approval["submission"], submission["id"]);
    let early = reply["dues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["stage"] == "early_warning")
        .unwrap();
    assert_eq!(early["status"], "met");
    // The store holds the same case.
    let stored = site.store.nis2_case(&platform, id).await.unwrap().unwrap();
    assert_eq!(serde_json::to_value(&stored).unwrap(), *case);

    // Every change is the analyst's in the audit log, as through the API.
    let entries = site.store.audit_entries(0, 10_000).await.unwrap();
    for action in [
        "nis2.assess",
        "nis2.verdict.confirm",
        "nis2.awareness.set",
        "nis2.update",
        "nis2.report.approve",
        "nis2.submission",
    ] {
        assert!(
            entries
                .iter()
                .any(|e| e.action == action && e.actor == "user:ana"),
            "{action} by user:ana not audited"
        );
    }
    // The page shows the submission, the used approval and the met clock.
    let page = send(&site.app, Method::GET, &page_uri, &ana, None).await;
    for shown in [
        "CCB-2026-7",
        "Submitted (#",
        "Submitted on time",
        "Early warning sent",
        "/api/v1/incidents/",
    ] {
        assert!(page.text.contains(shown), "{shown}: {}", page.text);
    }
    assert!(
        page.text
            .contains("/nis2/reports/early_warning?format=pdf&amp;lang=nl"),
        "the draft in the case's report language"
    );
}

/// A client contact sees its own NIS2 cases with their clocks and downloads its drafts, never
/// another tenant's (404), and no SOC form takes its posts.
#[tokio::test]
async fn the_client_sees_its_nis2_clocks_and_drafts_and_posts_to_no_soc_form() {
    use vigie_soc::nis2::Nis2Store;
    let site = site().await;
    let platform = Access::new(site.store.clone()).operator_scope();
    let own = bare_incident(&site, site.b, "Outage of the payroll service").await;
    let other = bare_incident(&site, site.a, "Phishing wave at Ville A").await;
    for incident in [own, other] {
        site.store
            .nis2_set_awareness(
                &platform,
                incident,
                jiff::Timestamp::now(),
                "confirmed",
                "user:lea",
            )
            .await
            .unwrap();
    }
    let (bert, csrf) = login(&site.app, "bert").await;
    let dutch = format!("{bert}; vigie_lang=nl");

    // The list: its case, each stage with its due date and status, the draft links.
    let list = send(&site.app, Method::GET, "/ui/nis2", &dutch, None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_no_missing_message(&list.text, "portal nis2 list");
    assert!(list.text.contains("href=\"/ui/nis2\""), "in the navigation");
    assert!(list.text.contains("Outage of the payroll service"));
    assert!(list.text.contains("Vroegtijdige waarschuwing (24 u)"));
    assert!(list.text.contains("Loopt"), "running: {}", list.text);
    assert!(list.text.contains(&format!(
        "/api/v1/incidents/{own}/nis2/reports/early_warning?format=pdf"
    )));
    assert!(
        !list.text.contains("Phishing wave") && !list.text.contains(&format!("incidents/{other}")),
        "another tenant's case: {}",
        list.text
    );
    // Its incident page: the clocks and drafts, no form.
    let page = send(
        &site.app,
        Method::GET,
        &format!("/ui/incidents/{own}"),
        &dutch,
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("id=\"nis2-clocks\""), "{}", page.text);
    assert!(page.text.contains("id=\"nis2-drafts\""), "{}", page.text);
    assert!(
        !page.text.contains("/nis2/assess"),
        "no SOC form for a client"
    );
    // Its draft downloads; another tenant's does not exist for it.
    let draft = send(
        &site.app,
        Method::GET,
        &format!("/api/v1/incidents/{own}/nis2/reports/early_warning?format=html&lang=nl"),
        &bert,
        None,
    )
    .await;
    assert_eq!(draft.status, StatusCode::OK);
    assert!(
        draft.text.contains("Vroegtijdige waarschuwing"),
        "{}",
        draft.text
    );
    let pdf = send(
        &site.app,
        Method::GET,
        &format!("/api/v1/incidents/{own}/nis2/reports/early_warning?format=pdf"),
        &bert,
        None,
    )
    .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.text.starts_with("%PDF-"));
    for uri in [
        format!("/api/v1/incidents/{other}/nis2/reports/early_warning?format=pdf"),
        format!("/ui/incidents/{other}"),
    ] {
        let r = send(&site.app, Method::GET, &uri, &bert, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}");
    }

    // No SOC form takes its posts, on its own incident or another tenant's; nothing changes.
    let before = |id| {
        let store = site.store.clone();
        let platform = platform.clone();
        async move { serde_json::to_value(store.nis2_case(&platform, id).await.unwrap()).unwrap() }
    };
    let (own_before, other_before) = (before(own).await, before(other).await);
    let forms = [
        ("assess", "severe_disruption_or_financial_loss.actual=no"),
        ("confirm", "verdict=not_significant&reason=nothing+happened"),
        ("withdraw", "confirm=yes"),
        ("awareness", "aware_at=2020-01-01T00%3A00%3A00Z&reason=x"),
        (
            "record",
            "text_lang=nl&suspected_malicious=no&cross_border=no",
        ),
        ("case", "trust_service=yes"),
        ("approve", "stage=early_warning&language=nl&tlp=TLP%3ACLEAR"),
        (
            "submit",
            "stages=early_warning&submitted_at=2026-01-01T00%3A00%3A00Z&channel=email\
             &language=nl&tlp=TLP%3ACLEAR",
        ),
    ];
    for (route, body) in forms {
        for incident in [own, other] {
            let uri = format!("/ui/incidents/{incident}/nis2/{route}");
            let r = send(
                &site.app,
                Method::POST,
                &uri,
                &bert,
                Some(&format!("csrf={csrf}&{body}")),
            )
            .await;
            assert!(
                matches!(r.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
                "{uri}: {} {}",
                r.status,
                r.text
            );
            // Without the session's token: refused before anything is read.
            let r = send(&site.app, Method::POST, &uri, &bert, Some(body)).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{uri} without a token");
        }
    }
    assert_eq!(before(own).await, own_before);
    assert_eq!(before(other).await, other_before);

    // The SOC lead's list holds both tenants' cases, with the tenant.
    let (lea, _) = login(&site.app, "lea").await;
    let list = send(&site.app, Method::GET, "/ui/nis2", &lea, None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text.contains("Phishing wave") && list.text.contains("Outage of the payroll"));
    assert!(list.text.contains("cpas-b") && list.text.contains("ville-a"));
}
