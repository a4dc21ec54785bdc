//! The tenant-isolation matrix over every route of the router (T1 of the reliability plan).
//!
//! The routes are read from the router's own source (`src/lib.rs`, `src/ui/mod.rs`,
//! `src/api/es.rs`: every `.route(path, method(...)...)`), and [`CASES`] must hold exactly one
//! case per (method, path): a route added without an isolation case fails
//! `every_route_of_the_router_has_an_isolation_case`.
//!
//! Two tenants hold one of everything (alerts, incidents with comments, tasks and a NIS2
//! case, a suppression, users, user and tenant tokens, a saved view, an SLA contract, a NIS2
//! profile, a tenant filter in the rule catalogue, events in the log and in the event store,
//! a finished hunting job, a dead notification). Every text of tenant B contains `b-only`.
//! Then every probe of every case is sent by each caller of tenant A's side (SOC lead, tenant admin and client
//! sessions of A, A's read, admin and ingest tokens, a platform admin's user token narrowed
//! to A, and no credential) with tenant B's ids and slug in every position (path, query,
//! body, nested ids beside A's own), and:
//!
//! - no reply holds anything of B (`b-only`);
//! - no object of B changes (a snapshot of everything B holds, taken after each request that
//!   is not a GET, equals the one taken before);
//! - a probe that names B's objects is refused (400 for a foreign id in a body, 401, 403, 404,
//!   or the login page), with the status it gets for objects that do not exist (no oracle
//!   between "foreign" and "unknown");
//! - events sent with A's ingest token land in A, whatever the body names;
//! - hunting jobs of A's tokens find A's events and none of B's.
//!
//! Each case also has a control: its first probe with A's own objects, sent by a caller of A
//! that may do it, must get the case's status, so a refusal above is the tenant wall and not
//! a probe that could never work.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use vigie_soc::prelude::*;

use axum::Extension;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use vigie_access::Access;
use vigie_access::token::NewUserToken;
use vigie_access::{Permission, Role, TokenKind, TokenOwner};
use vigie_detect::RuleSet;
use vigie_event::{Event, EventId, Severity, TenantId};
use vigie_soc::desk::{NewIncident, NewSuppression};
use vigie_soc::nis2::Nis2Store;
use vigie_soc::prefs::PrefsStore;
use vigie_soc::{Actor, NewAlert, RuleAudience, RuleStatus};
use vigie_store::model::LoggedEvent;
use vigie_store::{EmbeddedConfig, EmbeddedStore, EventStore};
use vigie_web::api::hunt::Hunting;
use vigie_web::ui::EventBook;

use common::{Call, Options, Payload, Reply, World, send, session};

// ---- The routes of the router, read from its source ------------------------------------------

/// The files that build the router; every `.route(` of the crate is in one of them.
const ROUTER_SOURCES: [&str; 3] = ["src/lib.rs", "src/ui/mod.rs", "src/api/es.rs"];

/// The methods an axum method router names.
const METHODS: [&str; 6] = ["get", "post", "put", "patch", "delete", "head"];

/// The text after an opening parenthesis up to the one that closes it (string literals
/// skipped).
fn until_close(text: &str) -> &str {
    let mut depth = 1;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &text[..i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced parentheses in the router source")
}

/// The methods a method router expression names at its top level (`get(..).post(..)`).
fn methods_of(chain: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut in_string = false;
    let mut escaped = false;
    let mut word = String::new();
    for c in chain.chars() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' => {
                if depth == 0 && METHODS.contains(&word.as_str()) {
                    out.push(word.to_uppercase());
                }
                depth += 1;
            }
            ')' => depth -= 1,
            c if c.is_alphanumeric() || c == '_' => {
                word.push(c);
                continue;
            }
            _ => {}
        }
        word.clear();
    }
    out
}

/// Every (method, path) routed by `source`.
fn routes_in(source: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        let args = until_close(rest);
        let open = args.find('"').expect("a route path literal");
        let close = open + 1 + args[open + 1..].find('"').expect("a closed path literal");
        let path = &args[open + 1..close];
        let methods = methods_of(&args[close + 1..]);
        assert!(!methods.is_empty(), "no method found for route {path}");
        for method in methods {
            out.push((method, path.to_owned()));
        }
        rest = &rest[args.len()..];
    }
    out
}

/// The `.rs` files under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every (method, path) of the router.
fn router_routes() -> BTreeSet<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let rel = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            !text.contains(".route(") || ROUTER_SOURCES.contains(&rel.as_str()),
            "{rel} adds routes: list it in ROUTER_SOURCES so its routes need isolation cases"
        );
    }
    let mut routes = BTreeSet::new();
    for file in ROUTER_SOURCES {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        for route in routes_in(&text) {
            assert!(routes.insert(route.clone()), "{route:?} is routed twice");
        }
    }
    routes
}

// ---- The isolation cases, one per route ---------------------------------------------------------

/// A request body; `$name` placeholders are filled with the objects of the probe (see
/// [`fill`]).
#[derive(Clone, Copy, Debug)]
enum Body {
    None,
    Json(&'static str),
    Form(&'static str),
    Text(&'static str, &'static str),
}

/// What every caller of tenant A's side must get.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// Refused (401, 403, 404 or the login page), exactly as for objects that do not exist.
    Refused,
    /// Any answer, but nothing of tenant B in it and nothing of B changed.
    Unchanged,
}

#[derive(Clone, Copy, Debug)]
struct Probe {
    uri: &'static str,
    body: Body,
    expect: Expect,
    /// Sent as a browser (`Accept: text/html`).
    html: bool,
}

const fn refused(uri: &'static str, body: Body) -> Probe {
    Probe {
        uri,
        body,
        expect: Expect::Refused,
        html: false,
    }
}

const fn unchanged(uri: &'static str, body: Body) -> Probe {
    Probe {
        uri,
        body,
        expect: Expect::Unchanged,
        html: false,
    }
}

const fn page(uri: &'static str, body: Body, expect: Expect) -> Probe {
    Probe {
        uri,
        body,
        expect,
        html: true,
    }
}

/// Who sends a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Caller {
    /// A session of a SOC lead assigned to tenant A.
    SocLeadA,
    /// A session of tenant A's administrator.
    TenantAdminA,
    /// A session of a client contact of tenant A (the portal).
    ClientA,
    /// Tenant A's read token.
    ReadTokenA,
    /// Tenant A's admin token.
    AdminTokenA,
    /// Tenant A's ingest token.
    IngestTokenA,
    /// A platform admin's own API token narrowed to tenant A, with every permission.
    UserTokenNarrowedA,
    /// No credential.
    Anonymous,
    /// A platform admin's session (controls only: it may reach B).
    Platform,
    /// A platform read token (controls only).
    PlatformReadToken,
}

/// The callers of tenant A's side, each sent every probe.
const A_SIDE: [Caller; 8] = [
    Caller::SocLeadA,
    Caller::TenantAdminA,
    Caller::ClientA,
    Caller::ReadTokenA,
    Caller::AdminTokenA,
    Caller::IngestTokenA,
    Caller::UserTokenNarrowedA,
    Caller::Anonymous,
];

/// The callers that are sessions.
const SESSIONS: [Caller; 3] = [Caller::SocLeadA, Caller::TenantAdminA, Caller::ClientA];

/// The control of a case: its first probe (or `probe`) with tenant A's objects, sent by
/// `caller`, answers `status`.
#[derive(Clone, Copy, Debug)]
struct Control {
    caller: Caller,
    status: u16,
    probe: Option<Probe>,
}

const fn ctl(caller: Caller, status: u16) -> Control {
    Control {
        caller,
        status,
        probe: None,
    }
}

struct Case {
    method: &'static str,
    path: &'static str,
    probes: &'static [Probe],
    control: Control,
}

macro_rules! case {
    ($method:literal, $path:literal, [$($probe:expr),+ $(,)?], $control:expr) => {
        Case {
            method: $method,
            path: $path,
            probes: &[$($probe),+],
            control: $control,
        }
    };
}

/// A probe of the Elasticsearch surface that answers the same to every ingest token.
macro_rules! es {
    ($method:literal, $path:literal, $uri:literal) => {
        es!($method, $path, $uri, Body::None)
    };
    ($method:literal, $path:literal, $uri:literal, $body:expr) => {
        case!(
            $method,
            $path,
            [unchanged($uri, $body)],
            ctl(Caller::IngestTokenA, 200)
        )
    };
}

const NDJSON: &str = "application/x-ndjson";

/// Events sent with A's ingest token that name tenant B every way a body can; the third
/// line tries to close `fields` early (refused as invalid JSON).
const EVENTS_NAMING_B: &str = concat!(
    r#"{"tenant":"$slug","tenant_id":$tenant,"_tenant":"$slug","note":"sent by a"}"#,
    "\n",
    r#"{"@tenant":"$slug","_index":"$slug","tenant":{"id":$tenant,"slug":"$slug"}}"#,
    "\n",
    r#"{"a":1},"tenant":$tenant,"fields":{"b":2}"#,
    "\n",
);

/// An OTLP export (JSON encoding) whose resource, scope, attributes and body name tenant B.
const OTLP_NAMING_B: &str = r#"{"resourceLogs":[{"resource":{"attributes":[{"key":"tenant","value":{"stringValue":"$slug"}},{"key":"tenant_id","value":{"intValue":"$tenant"}}]},"scopeLogs":[{"scope":{"name":"$slug"},"logRecords":[{"body":{"kvlistValue":{"values":[{"key":"@tenant","value":{"stringValue":"$slug"}}]}},"attributes":[{"key":"_tenant","value":{"stringValue":"$slug"}},{"key":"event.dataset","value":{"stringValue":"$slug"}}]}]}]}]}"#;

/// A `_bulk` body whose actions and documents name tenant B.
const BULK_NAMING_B: &str = concat!(
    r#"{"create":{"_index":"$slug","routing":"$slug"}}"#,
    "\n",
    r#"{"tenant":"$slug","tenant_id":$tenant,"note":"bulk from a"}"#,
    "\n",
    r#"{"index":{"_index":"$slug","pipeline":"$slug"}}"#,
    "\n",
    r#"{"@tenant":"$slug","note":"bulk from a"}"#,
    "\n",
);

/// A draft rule matching the seeded events of both tenants.
const RULE: &str = r#""title: Whoami\nid: 5f1f2b50-3d0f-4c34-9d8b-7c1a0f0e1a77\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    selection:\n        Image|endswith: '\\whoami.exe'\n    condition: selection\nlevel: low\n""#;

const SLA: &str = r#"{"calendar":"business","targets":{"high":{"acknowledge_minutes":60,"resolve_minutes":480}},"warn_ratio":0.8}"#;

const APPROVAL: &str = r#"{"stage":"early_warning","language":"en","tlp":"TLP:AMBER"}"#;

const SUBMISSION: &str = r#"{"stages":["early_warning"],"submitted_at":"$now","channel":"platform","reference":null,"language":"en","tlp":"TLP:AMBER"}"#;

/// One case per route of the router, in the order the matrix runs them (the logouts last:
/// they end the caller's session).
static CASES: &[Case] = &[
    // -- Intake: the tenant comes from the token, never from the body.
    case!(
        "POST",
        "/api/v1/ingest",
        [unchanged(
            "/api/v1/ingest",
            Body::Text(NDJSON, EVENTS_NAMING_B)
        )],
        ctl(Caller::IngestTokenA, 200)
    ),
    case!(
        "POST",
        "/api/v1/import",
        [unchanged(
            "/api/v1/import",
            Body::Text("application/octet-stream", EVENTS_NAMING_B)
        )],
        ctl(Caller::IngestTokenA, 200)
    ),
    case!(
        "POST",
        "/v1/logs",
        [unchanged(
            "/v1/logs",
            Body::Text("application/json", OTLP_NAMING_B)
        )],
        ctl(Caller::IngestTokenA, 200)
    ),
    case!(
        "POST",
        "/_bulk",
        [unchanged("/_bulk", Body::Text(NDJSON, BULK_NAMING_B))],
        ctl(Caller::IngestTokenA, 200)
    ),
    case!(
        "PUT",
        "/_bulk",
        [unchanged("/_bulk", Body::Text(NDJSON, BULK_NAMING_B))],
        ctl(Caller::IngestTokenA, 200)
    ),
    case!(
        "POST",
        "/{index}/_bulk",
        [unchanged("/$slug/_bulk", Body::Text(NDJSON, BULK_NAMING_B))],
        ctl(Caller::IngestTokenA, 200)
    ),
    case!(
        "PUT",
        "/{index}/_bulk",
        [unchanged("/$slug/_bulk", Body::Text(NDJSON, BULK_NAMING_B))],
        ctl(Caller::IngestTokenA, 200)
    ),
    // -- The Elasticsearch probes shippers send (static answers behind an ingest token).
    es!("GET", "/_license", "/_license"),
    es!("GET", "/_xpack", "/_xpack"),
    es!("GET", "/_cluster/health", "/_cluster/health"),
    es!("GET", "/_cluster/health/{index}", "/_cluster/health/$slug"),
    es!("GET", "/_cat/health", "/_cat/health"),
    es!("GET", "/_nodes", "/_nodes"),
    es!("GET", "/_nodes/{filter}", "/_nodes/$slug"),
    es!("GET", "/_nodes/{node}/{metric}", "/_nodes/$slug/http"),
    es!("GET", "/_alias/{name}", "/_alias/$slug"),
    es!("HEAD", "/_alias/{name}", "/_alias/$slug"),
    es!("GET", "/_index_template/{name}", "/_index_template/$slug"),
    es!("HEAD", "/_index_template/{name}", "/_index_template/$slug"),
    es!(
        "PUT",
        "/_index_template/{name}",
        "/_index_template/$slug",
        Body::Json("{}")
    ),
    es!(
        "POST",
        "/_index_template/{name}",
        "/_index_template/$slug",
        Body::Json("{}")
    ),
    es!("GET", "/_template/{name}", "/_template/$slug"),
    es!("HEAD", "/_template/{name}", "/_template/$slug"),
    es!(
        "PUT",
        "/_template/{name}",
        "/_template/$slug",
        Body::Json("{}")
    ),
    es!(
        "POST",
        "/_template/{name}",
        "/_template/$slug",
        Body::Json("{}")
    ),
    es!(
        "GET",
        "/_component_template/{name}",
        "/_component_template/$slug"
    ),
    es!(
        "HEAD",
        "/_component_template/{name}",
        "/_component_template/$slug"
    ),
    es!(
        "PUT",
        "/_component_template/{name}",
        "/_component_template/$slug",
        Body::Json("{}")
    ),
    es!(
        "POST",
        "/_component_template/{name}",
        "/_component_template/$slug",
        Body::Json("{}")
    ),
    es!("GET", "/_ilm/policy/{name}", "/_ilm/policy/$slug"),
    es!("HEAD", "/_ilm/policy/{name}", "/_ilm/policy/$slug"),
    es!(
        "PUT",
        "/_ilm/policy/{name}",
        "/_ilm/policy/$slug",
        Body::Json("{}")
    ),
    es!("GET", "/_ingest/pipeline/{name}", "/_ingest/pipeline/$slug"),
    es!(
        "HEAD",
        "/_ingest/pipeline/{name}",
        "/_ingest/pipeline/$slug"
    ),
    es!(
        "PUT",
        "/_ingest/pipeline/{name}",
        "/_ingest/pipeline/$slug",
        Body::Json("{}")
    ),
    es!("GET", "/_data_stream/{name}", "/_data_stream/$slug"),
    es!("HEAD", "/_data_stream/{name}", "/_data_stream/$slug"),
    es!(
        "PUT",
        "/_data_stream/{name}",
        "/_data_stream/$slug",
        Body::Json("{}")
    ),
    // -- Read API of tenant and platform tokens.
    case!(
        "GET",
        "/api/v1/rules",
        [unchanged("/api/v1/rules", Body::None)],
        ctl(Caller::ReadTokenA, 200)
    ),
    case!(
        "GET",
        "/api/v1/tenants",
        [unchanged("/api/v1/tenants", Body::None)],
        ctl(Caller::ReadTokenA, 200)
    ),
    case!(
        "GET",
        "/healthz",
        [unchanged("/healthz", Body::None)],
        ctl(Caller::Anonymous, 200)
    ),
    case!(
        "GET",
        "/metrics",
        [refused("/metrics", Body::None)],
        ctl(Caller::PlatformReadToken, 200)
    ),
    case!(
        "GET",
        "/api/v1/openapi.json",
        [unchanged("/api/v1/openapi.json", Body::None)],
        ctl(Caller::Anonymous, 200)
    ),
    // -- Hunting: the scope of the token, a tenant filter outside it is not found, and
    // jobs are reached by the token that started them only.
    case!(
        "POST",
        "/api/v1/hunt",
        [
            refused(
                "/api/v1/hunt",
                Body::Json(r#"{"query":"*","tenant":"$slug"}"#)
            ),
            unchanged("/api/v1/hunt", Body::Json(r#"{"query":"*"}"#)),
            unchanged(
                "/api/v1/hunt",
                Body::Json(r#"{"query":"@tenant:$slug OR @tenant:$tenant"}"#)
            ),
            unchanged(
                "/api/v1/hunt",
                Body::Json(r#"{"query":"* | stats count() by @tenant"}"#)
            ),
        ],
        ctl(Caller::ReadTokenA, 200)
    ),
    case!(
        "POST",
        "/api/v1/rules/backtest",
        [
            refused(
                "/api/v1/rules/backtest",
                Body::Json(r#"{"rule":$rule,"tenant":"$slug"}"#)
            ),
            unchanged("/api/v1/rules/backtest", Body::Json("{\"rule\":$rule}")),
        ],
        ctl(Caller::ReadTokenA, 202)
    ),
    case!(
        "POST",
        "/api/v1/ioc/hunt",
        [
            refused(
                "/api/v1/ioc/hunt",
                Body::Json(r#"{"iocs":{"domains":["evil.example"]},"tenant":"$slug"}"#)
            ),
            unchanged(
                "/api/v1/ioc/hunt",
                Body::Json(r#"{"iocs":{"domains":["evil.example"]}}"#)
            ),
        ],
        ctl(Caller::ReadTokenA, 202)
    ),
    case!(
        "GET",
        "/api/v1/jobs",
        [unchanged("/api/v1/jobs", Body::None)],
        ctl(Caller::ReadTokenA, 200)
    ),
    case!(
        "GET",
        "/api/v1/jobs/{id}",
        [refused("/api/v1/jobs/$job", Body::None)],
        ctl(Caller::ReadTokenA, 200)
    ),
    case!(
        "DELETE",
        "/api/v1/jobs/{id}",
        [refused("/api/v1/jobs/$job", Body::None)],
        ctl(Caller::ReadTokenA, 409)
    ),
    // -- The desk API.
    case!(
        "GET",
        "/api/v1/auth/me",
        [unchanged("/api/v1/auth/me", Body::None)],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "GET",
        "/api/v1/auth/tokens",
        [unchanged("/api/v1/auth/tokens", Body::None)],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "POST",
        "/api/v1/auth/tokens",
        [refused(
            "/api/v1/auth/tokens",
            Body::Json(r#"{"label":"x","permissions":["read_desk"],"tenants":[$tenant]}"#)
        )],
        ctl(Caller::SocLeadA, 201)
    ),
    case!(
        "DELETE",
        "/api/v1/auth/tokens/{id}",
        [refused("/api/v1/auth/tokens/$user_token", Body::None)],
        ctl(Caller::SocLeadA, 204)
    ),
    case!(
        "GET",
        "/api/v1/users",
        [unchanged("/api/v1/users", Body::None)],
        ctl(Caller::TenantAdminA, 200)
    ),
    case!(
        "POST",
        "/api/v1/users",
        [
            refused(
                "/api/v1/users",
                Body::Json(
                    r#"{"username":"new-user-api","password":"a long enough password","role":"tenant_user","tenants":[$tenant]}"#
                )
            ),
            refused(
                "/api/v1/users",
                Body::Json(
                    r#"{"username":"new-user-api2","password":"a long enough password","role":"tenant_user","tenants":[$own_tenant,$tenant]}"#
                )
            ),
        ],
        ctl(Caller::TenantAdminA, 201)
    ),
    case!(
        "GET",
        "/api/v1/users/{id}",
        [refused("/api/v1/users/$user", Body::None)],
        ctl(Caller::TenantAdminA, 200)
    ),
    case!(
        "PATCH",
        "/api/v1/users/{id}",
        [
            refused(
                "/api/v1/users/$user",
                Body::Json(r#"{"role":"tenant_admin"}"#)
            ),
            refused(
                "/api/v1/users/$own_user",
                Body::Json(r#"{"tenants":[$own_tenant,$tenant]}"#)
            ),
            refused(
                "/api/v1/users/$own_user",
                Body::Json(r#"{"tenants":[$tenant]}"#)
            ),
        ],
        ctl(Caller::TenantAdminA, 200)
    ),
    case!(
        "POST",
        "/api/v1/users/{id}/disable",
        [refused("/api/v1/users/$user/disable", Body::None)],
        ctl(Caller::TenantAdminA, 200)
    ),
    case!(
        "POST",
        "/api/v1/users/{id}/enable",
        [refused("/api/v1/users/$user/enable", Body::None)],
        ctl(Caller::TenantAdminA, 200)
    ),
    case!(
        "GET",
        "/api/v1/alerts",
        [
            refused("/api/v1/alerts?tenant=$slug", Body::None),
            refused("/api/v1/alerts?tenant=$tenant", Body::None),
            unchanged("/api/v1/alerts", Body::None),
        ],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "GET",
        "/api/v1/alerts/{id}",
        [refused("/api/v1/alerts/$alert", Body::None)],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "GET",
        "/api/v1/alerts/{id}/events",
        [refused("/api/v1/alerts/$alert/events", Body::None)],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "POST",
        "/api/v1/alerts/{id}/actions",
        [
            refused(
                "/api/v1/alerts/$alert/actions",
                Body::Json(r#"{"action":"acknowledge"}"#)
            ),
            refused(
                "/api/v1/alerts/$alert/actions",
                Body::Json(r#"{"action":"escalate","incident":$own_incident}"#)
            ),
            refused(
                "/api/v1/alerts/$own_alert/actions",
                Body::Json(r#"{"action":"escalate","incident":$incident}"#)
            ),
        ],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "GET",
        "/api/v1/rule-stats",
        [unchanged("/api/v1/rule-stats", Body::None)],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "GET",
        "/api/v1/suppressions",
        [unchanged("/api/v1/suppressions", Body::None)],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "POST",
        "/api/v1/suppressions",
        [refused(
            "/api/v1/suppressions",
            Body::Json(
                r#"{"tenant":$tenant,"rule_id":"rule-x","reason":"r","expires_at":"2099-01-01T00:00:00Z"}"#
            )
        ),],
        ctl(Caller::SocLeadA, 201)
    ),
    case!(
        "DELETE",
        "/api/v1/suppressions/{id}",
        [refused("/api/v1/suppressions/$suppression", Body::None)],
        ctl(Caller::SocLeadA, 204)
    ),
    case!(
        "GET",
        "/api/v1/incidents",
        [
            refused("/api/v1/incidents?tenant=$slug", Body::None),
            refused("/api/v1/incidents?tenant=$tenant", Body::None),
            unchanged("/api/v1/incidents", Body::None),
        ],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "POST",
        "/api/v1/incidents",
        [
            refused(
                "/api/v1/incidents",
                Body::Json(r#"{"tenant":$tenant,"title":"t"}"#)
            ),
            refused(
                "/api/v1/incidents",
                Body::Json(r#"{"tenant":$own_tenant,"title":"t","alerts":["$alert"]}"#)
            ),
        ],
        ctl(Caller::SocLeadA, 201)
    ),
    case!(
        "GET",
        "/api/v1/incidents/{id}",
        [refused("/api/v1/incidents/$incident", Body::None)],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "PATCH",
        "/api/v1/incidents/{id}",
        [
            refused(
                "/api/v1/incidents/$incident",
                Body::Json(r#"{"status":"acknowledged"}"#)
            ),
            refused(
                "/api/v1/incidents/$own_incident",
                Body::Json(r#"{"assignee":$soc_user}"#)
            ),
        ],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "POST",
        "/api/v1/incidents/{id}/comments",
        [refused(
            "/api/v1/incidents/$incident/comments",
            Body::Json(r#"{"body":"x"}"#)
        )],
        ctl(Caller::SocLeadA, 201)
    ),
    case!(
        "GET",
        "/api/v1/questions",
        [
            unchanged("/api/v1/questions", Body::None),
            unchanged("/api/v1/questions?open=false", Body::None),
        ],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "GET",
        "/api/v1/reports",
        [unchanged("/api/v1/reports", Body::None)],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "GET",
        "/api/v1/reports/{tenant}/{month}",
        [refused("/api/v1/reports/$slug/2026-11", Body::None)],
        ctl(Caller::SocLeadA, 404)
    ),
    case!(
        "GET",
        "/api/v1/reports/monthly",
        [refused(
            "/api/v1/reports/monthly?tenant=$slug&month=2026-11&format=json",
            Body::None
        )],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "POST",
        "/api/v1/incidents/{id}/tasks",
        [refused(
            "/api/v1/incidents/$incident/tasks",
            Body::Json(r#"{"title":"x"}"#)
        )],
        ctl(Caller::SocLeadA, 201)
    ),
    case!(
        "PATCH",
        "/api/v1/incidents/{id}/tasks/{task}",
        [
            refused(
                "/api/v1/incidents/$incident/tasks/$task",
                Body::Json(r#"{"done":true}"#)
            ),
            refused(
                "/api/v1/incidents/$own_incident/tasks/$task",
                Body::Json(r#"{"done":true}"#)
            ),
        ],
        ctl(Caller::SocLeadA, 204)
    ),
    case!(
        "POST",
        "/api/v1/incidents/{id}/merge",
        [
            refused(
                "/api/v1/incidents/$incident/merge",
                Body::Json(r#"{"from":$incident2}"#)
            ),
            refused(
                "/api/v1/incidents/$own_incident/merge",
                Body::Json(r#"{"from":$incident}"#)
            ),
            refused(
                "/api/v1/incidents/$incident/merge",
                Body::Json(r#"{"from":$own_incident2}"#)
            ),
        ],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "POST",
        "/api/v1/incidents/{id}/split",
        [
            refused(
                "/api/v1/incidents/$incident/split",
                Body::Json(r#"{"alerts":["$alert2"],"title":"x"}"#)
            ),
            refused(
                "/api/v1/incidents/$own_incident/split",
                Body::Json(r#"{"alerts":["$alert2"],"title":"x"}"#)
            ),
        ],
        ctl(Caller::SocLeadA, 201)
    ),
    case!(
        "GET",
        "/api/v1/tenants/{id}/sla",
        [refused("/api/v1/tenants/$tenant/sla", Body::None)],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "PUT",
        "/api/v1/tenants/{id}/sla",
        [refused("/api/v1/tenants/$tenant/sla", Body::Json(SLA))],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "GET",
        "/api/v1/sla/summary",
        [unchanged("/api/v1/sla/summary", Body::None)],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "GET",
        "/api/v1/sla/breaches",
        [unchanged("/api/v1/sla/breaches", Body::None)],
        ctl(Caller::SocLeadA, 200)
    ),
    // -- The notification log (the SOC's only).
    case!(
        "GET",
        "/api/v1/notifications",
        [
            unchanged("/api/v1/notifications", Body::None),
            unchanged(
                "/api/v1/notifications?status=dead&incident=$incident",
                Body::None
            ),
        ],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "POST",
        "/api/v1/notifications/{id}/retry",
        [refused(
            "/api/v1/notifications/$notification/retry",
            Body::None
        )],
        ctl(Caller::SocLeadA, 204)
    ),
    // -- NIS2.
    case!(
        "GET",
        "/api/v1/incidents/{id}/nis2",
        [refused("/api/v1/incidents/$incident/nis2", Body::None)],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "PATCH",
        "/api/v1/incidents/{id}/nis2",
        [refused(
            "/api/v1/incidents/$incident/nis2",
            Body::Json(r#"{"trust_service":false}"#)
        )],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "PUT",
        "/api/v1/incidents/{id}/nis2/awareness",
        [refused(
            "/api/v1/incidents/$incident/nis2/awareness",
            Body::Json(r#"{"aware_at":"$now","reason":"x"}"#)
        )],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "POST",
        "/api/v1/incidents/{id}/nis2/assess",
        [refused(
            "/api/v1/incidents/$incident/nis2/assess",
            Body::Json(r#"{"answers":{"suspected_malicious":{"actual":"yes"}}}"#)
        )],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "POST",
        "/api/v1/incidents/{id}/nis2/confirm",
        [refused(
            "/api/v1/incidents/$incident/nis2/confirm",
            Body::Json(r#"{"verdict":"significant","reason":"x"}"#)
        )],
        ctl(Caller::SocLeadA, 200)
    ),
    // The approval of A's early warning, after the controls above changed its case and
    // before the submission's control, which needs it.
    case!(
        "POST",
        "/api/v1/incidents/{id}/nis2/approvals",
        [refused(
            "/api/v1/incidents/$incident/nis2/approvals",
            Body::Json(APPROVAL)
        )],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "POST",
        "/api/v1/incidents/{id}/nis2/submissions",
        [refused(
            "/api/v1/incidents/$incident/nis2/submissions",
            Body::Json(SUBMISSION)
        )],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "GET",
        "/api/v1/incidents/{id}/nis2/reports/{stage}",
        [refused(
            "/api/v1/incidents/$incident/nis2/reports/early_warning",
            Body::None
        )],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "GET",
        "/api/v1/nis2/board",
        [unchanged("/api/v1/nis2/board", Body::None)],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "GET",
        "/api/v1/tenants/{id}/nis2/profile",
        [
            refused("/api/v1/tenants/$tenant/nis2/profile", Body::None),
            refused("/api/v1/tenants/$slug/nis2/profile", Body::None),
        ],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "PUT",
        "/api/v1/tenants/{id}/nis2/profile",
        [
            refused(
                "/api/v1/tenants/$tenant/nis2/profile",
                Body::Json(r#"{"legal_name":"x","category":"important"}"#)
            ),
            refused(
                "/api/v1/tenants/$slug/nis2/profile",
                Body::Json(r#"{"legal_name":"x","category":"important"}"#)
            ),
        ],
        ctl(Caller::SocLeadA, 200)
    ),
    // -- The web application.
    case!(
        "GET",
        "/",
        [
            page("/", Body::None, Expect::Unchanged),
            unchanged("/", Body::None),
        ],
        ctl(Caller::Anonymous, 303)
    ),
    case!(
        "GET",
        "/static/vigie.css",
        [unchanged("/static/vigie.css", Body::None)],
        ctl(Caller::Anonymous, 200)
    ),
    case!(
        "GET",
        "/static/vigie.js",
        [unchanged("/static/vigie.js", Body::None)],
        ctl(Caller::Anonymous, 200)
    ),
    case!(
        "GET",
        "/static/vigie.svg",
        [unchanged("/static/vigie.svg", Body::None)],
        ctl(Caller::Anonymous, 200)
    ),
    case!(
        "GET",
        "/ui",
        [page("/ui", Body::None, Expect::Unchanged)],
        ctl(Caller::Anonymous, 303)
    ),
    case!(
        "GET",
        "/ui/",
        [page("/ui/", Body::None, Expect::Unchanged)],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "GET",
        "/ui/login",
        [page("/ui/login", Body::None, Expect::Unchanged)],
        ctl(Caller::Anonymous, 200)
    ),
    case!(
        "GET",
        "/ui/lang/{tag}",
        [page("/ui/lang/fr", Body::None, Expect::Unchanged)],
        ctl(Caller::SocLeadA, 303)
    ),
    case!(
        "GET",
        "/ui/alerts",
        [
            page("/ui/alerts?tenant=$slug", Body::None, Expect::Refused),
            page("/ui/alerts?status=any", Body::None, Expect::Unchanged),
        ],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "GET",
        "/ui/alerts/rows",
        [
            page("/ui/alerts/rows?tenant=$slug", Body::None, Expect::Refused),
            page("/ui/alerts/rows?status=any", Body::None, Expect::Unchanged),
        ],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "POST",
        "/ui/alerts/bulk",
        [page(
            "/ui/alerts/bulk",
            Body::Form("action=acknowledge&ids=$alert3&back=%2Fui%2Falerts"),
            Expect::Unchanged
        )],
        ctl(Caller::SocLeadA, 303)
    ),
    case!(
        "POST",
        "/ui/alerts/views",
        [page(
            "/ui/alerts/views",
            Body::Form("name=mine&query=tenant%3D$slug"),
            Expect::Unchanged
        )],
        ctl(Caller::SocLeadA, 303)
    ),
    case!(
        "POST",
        "/ui/alerts/views/{id}/delete",
        [page(
            "/ui/alerts/views/$view/delete",
            Body::Form(""),
            Expect::Refused
        )],
        ctl(Caller::SocLeadA, 303)
    ),
    case!(
        "GET",
        "/ui/alerts/{id}",
        [page("/ui/alerts/$alert", Body::None, Expect::Refused)],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "POST",
        "/ui/alerts/{id}/action",
        [
            page(
                "/ui/alerts/$alert3/action",
                Body::Form("action=escalate&incident=$own_incident"),
                Expect::Refused
            ),
            page(
                "/ui/alerts/$alert3/action",
                Body::Form("action=acknowledge"),
                Expect::Refused
            ),
            page(
                "/ui/alerts/$own_alert/action",
                Body::Form("action=escalate&incident=$incident"),
                Expect::Refused
            ),
        ],
        ctl(Caller::SocLeadA, 303)
    ),
    case!(
        "GET",
        "/ui/incidents",
        [
            page("/ui/incidents?tenant=$slug", Body::None, Expect::Refused),
            page("/ui/incidents?status=any", Body::None, Expect::Unchanged),
        ],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "GET",
        "/ui/incidents/{id}",
        [page("/ui/incidents/$incident", Body::None, Expect::Refused)],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "POST",
        "/ui/incidents/{id}/comment",
        [page(
            "/ui/incidents/$incident/comment",
            Body::Form("body=x"),
            Expect::Refused
        )],
        ctl(Caller::SocLeadA, 303)
    ),
    case!(
        "POST",
        "/ui/incidents/{id}/update",
        [
            page(
                "/ui/incidents/$incident/update",
                Body::Form("severity=low"),
                Expect::Refused
            ),
            page(
                "/ui/incidents/$own_incident/update",
                Body::Form("assignee=$soc_user"),
                Expect::Refused
            ),
        ],
        ctl(Caller::SocLeadA, 303)
    ),
    // The NIS2 forms of the incident page, in the order a case is worked; the controls work
    // A's second incident (its first one was submitted through the API above).
    case!(
        "POST",
        "/ui/incidents/{id}/nis2/awareness",
        [page(
            "/ui/incidents/$incident2/nis2/awareness",
            Body::Form("aware_at=$now&reason=x"),
            Expect::Refused
        )],
        ctl(Caller::SocLeadA, 303)
    ),
    case!(
        "POST",
        "/ui/incidents/{id}/nis2/assess",
        [page(
            "/ui/incidents/$incident2/nis2/assess",
            Body::Form("severe_disruption_or_financial_loss.actual=yes"),
            Expect::Refused
        )],
        ctl(Caller::SocLeadA, 303)
    ),
    case!(
        "POST",
        "/ui/incidents/{id}/nis2/confirm",
        [page(
            "/ui/incidents/$incident2/nis2/confirm",
            Body::Form("verdict=significant&reason=x"),
            Expect::Refused
        )],
        ctl(Caller::SocLeadA, 303)
    ),
    case!(
        "POST",
        "/ui/incidents/{id}/nis2/record",
        [page(
            "/ui/incidents/$incident2/nis2/record",
            Body::Form(
                "text_lang=en&suspected_malicious=unknown&cross_border=no&summary=a+summary"
            ),
            Expect::Refused
        )],
        ctl(Caller::SocLeadA, 303)
    ),
    case!(
        "POST",
        "/ui/incidents/{id}/nis2/case",
        [page(
            "/ui/incidents/$incident2/nis2/case",
            Body::Form("trust_service=yes"),
            Expect::Refused
        )],
        ctl(Caller::SocLeadA, 303)
    ),
    case!(
        "POST",
        "/ui/incidents/{id}/nis2/approve",
        [page(
            "/ui/incidents/$incident2/nis2/approve",
            Body::Form("stage=early_warning&language=en&tlp=TLP%3AAMBER"),
            Expect::Refused
        )],
        ctl(Caller::SocLeadA, 303)
    ),
    case!(
        "POST",
        "/ui/incidents/{id}/nis2/submit",
        [page(
            "/ui/incidents/$incident2/nis2/submit",
            Body::Form(
                "stages=early_warning&submitted_at=$now&channel=platform&language=en&tlp=TLP%3AAMBER"
            ),
            Expect::Refused
        )],
        ctl(Caller::SocLeadA, 303)
    ),
    case!(
        "POST",
        "/ui/incidents/{id}/nis2/withdraw",
        [page(
            "/ui/incidents/$incident2/nis2/withdraw",
            Body::Form("confirm=yes"),
            Expect::Refused
        )],
        ctl(Caller::SocLeadA, 303)
    ),
    case!(
        "GET",
        "/ui/nis2",
        [page("/ui/nis2", Body::None, Expect::Unchanged)],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "GET",
        "/ui/sla",
        [page("/ui/sla?days=365", Body::None, Expect::Unchanged)],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "GET",
        "/ui/reports",
        [page("/ui/reports", Body::None, Expect::Unchanged)],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "GET",
        "/ui/notifications",
        [
            page("/ui/notifications", Body::None, Expect::Unchanged),
            page(
                "/ui/notifications?status=all",
                Body::None,
                Expect::Unchanged
            ),
        ],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "POST",
        "/ui/notifications/{id}/retry",
        [page(
            "/ui/notifications/$notification2/retry",
            Body::Form("status=dead"),
            Expect::Refused
        )],
        ctl(Caller::SocLeadA, 303)
    ),
    case!(
        "GET",
        "/ui/detection",
        [page("/ui/detection", Body::None, Expect::Unchanged)],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "POST",
        "/ui/detection/suppressions",
        [page(
            "/ui/detection/suppressions",
            Body::Form("tenant=$slug&rule_id=rule-x&reason=r&days=1"),
            Expect::Refused
        )],
        ctl(Caller::SocLeadA, 303)
    ),
    case!(
        "POST",
        "/ui/detection/suppressions/{id}/end",
        [page(
            "/ui/detection/suppressions/$suppression2/end",
            Body::Form(""),
            Expect::Refused
        )],
        ctl(Caller::SocLeadA, 303)
    ),
    case!(
        "GET",
        "/ui/hunt",
        [
            page("/ui/hunt?q=*&tenant=$slug", Body::None, Expect::Refused),
            page("/ui/hunt?q=*", Body::None, Expect::Unchanged),
        ],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "GET",
        "/ui/tokens",
        [page("/ui/tokens", Body::None, Expect::Unchanged)],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "POST",
        "/ui/tokens",
        [page(
            "/ui/tokens",
            Body::Form("label=x&permissions=read_desk&tenants=$slug"),
            Expect::Refused
        )],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "POST",
        "/ui/tokens/{id}/revoke",
        [page(
            "/ui/tokens/$user_token2/revoke",
            Body::Form(""),
            Expect::Refused
        )],
        ctl(Caller::SocLeadA, 303)
    ),
    case!(
        "GET",
        "/ui/admin",
        [page("/ui/admin", Body::None, Expect::Unchanged)],
        ctl(Caller::TenantAdminA, 200)
    ),
    case!(
        "POST",
        "/ui/admin/tenants",
        [page(
            "/ui/admin/tenants",
            Body::Form("slug=zone-new&name=New"),
            Expect::Refused
        )],
        ctl(Caller::Platform, 303)
    ),
    case!(
        "POST",
        "/ui/admin/users",
        [
            page(
                "/ui/admin/users",
                Body::Form(
                    "username=new-user-ui&password=a+long+enough+password&role=tenant_user&tenants=$slug"
                ),
                Expect::Refused
            ),
            page(
                "/ui/admin/users",
                Body::Form(
                    "username=new-user-ui2&password=a+long+enough+password&role=tenant_user&tenants=zone-a&tenants=$slug"
                ),
                Expect::Refused
            ),
        ],
        ctl(Caller::Platform, 303)
    ),
    case!(
        "GET",
        "/ui/admin/users/{id}",
        [page("/ui/admin/users/$user", Body::None, Expect::Refused)],
        ctl(Caller::TenantAdminA, 200)
    ),
    case!(
        "POST",
        "/ui/admin/users/{id}",
        [
            page(
                "/ui/admin/users/$user",
                Body::Form("role=tenant_admin"),
                Expect::Refused
            ),
            page(
                "/ui/admin/users/$own_user",
                Body::Form("role=tenant_user&tenants=$slug"),
                Expect::Unchanged
            ),
        ],
        ctl(Caller::TenantAdminA, 303)
    ),
    case!(
        "POST",
        "/ui/admin/users/{id}/{verb}",
        [
            page(
                "/ui/admin/users/$user/enable",
                Body::Form(""),
                Expect::Refused
            ),
            page(
                "/ui/admin/users/$user/disable",
                Body::Form(""),
                Expect::Refused
            ),
        ],
        ctl(Caller::TenantAdminA, 303)
    ),
    case!(
        "POST",
        "/ui/admin/tokens",
        [page(
            "/ui/admin/tokens",
            Body::Form("kind=read&label=x&tenant=$slug"),
            Expect::Refused
        )],
        ctl(Caller::Platform, 200)
    ),
    case!(
        "POST",
        "/ui/admin/tokens/{id}/revoke",
        [page(
            "/ui/admin/tokens/$tenant_token/revoke",
            Body::Form(""),
            Expect::Refused
        )],
        ctl(Caller::Platform, 303)
    ),
    case!(
        "GET",
        "/ui/admin/sla/{tenant}",
        [page("/ui/admin/sla/$slug", Body::None, Expect::Refused)],
        ctl(Caller::SocLeadA, 200)
    ),
    case!(
        "POST",
        "/ui/admin/sla/{tenant}",
        [page(
            "/ui/admin/sla/$slug",
            Body::Form("calendar=24x7&warn_percent=80&ack_high=10&resolve_high=20"),
            Expect::Refused
        )],
        ctl(Caller::SocLeadA, 303)
    ),
    // -- Last: a login ends the session the caller presents, a logout its own.
    case!(
        "POST",
        "/api/v1/auth/login",
        [unchanged(
            "/api/v1/auth/login",
            Body::Json(r#"{"username":"$username","password":"not the password at all"}"#)
        )],
        Control {
            caller: Caller::Anonymous,
            status: 200,
            probe: Some(unchanged(
                "/api/v1/auth/login",
                Body::Json(r#"{"username":"$username","password":"a long enough password"}"#)
            )),
        }
    ),
    case!(
        "POST",
        "/ui/login",
        [page(
            "/ui/login",
            Body::Form("username=$username&password=not+the+password+at+all&next=%2Fui%2F"),
            Expect::Unchanged
        )],
        Control {
            caller: Caller::Anonymous,
            status: 303,
            probe: Some(page(
                "/ui/login",
                Body::Form("username=$username&password=a+long+enough+password&next=%2Fui%2F"),
                Expect::Unchanged
            )),
        }
    ),
    case!(
        "POST",
        "/api/v1/auth/logout",
        [unchanged("/api/v1/auth/logout", Body::None)],
        ctl(Caller::SocLeadA, 204)
    ),
    case!(
        "POST",
        "/ui/logout",
        [page("/ui/logout", Body::Form(""), Expect::Unchanged)],
        ctl(Caller::SocLeadA, 303)
    ),
];

#[test]
fn every_route_of_the_router_has_an_isolation_case() {
    let routed = router_routes();
    // The parser itself: routes of each file, each method of a chained route.
    for expected in [
        ("POST", "/api/v1/ingest"),
        ("GET", "/api/v1/auth/tokens"),
        ("POST", "/api/v1/auth/tokens"),
        ("DELETE", "/api/v1/jobs/{id}"),
        ("GET", "/"),
        ("POST", "/ui/admin/sla/{tenant}"),
        ("HEAD", "/_index_template/{name}"),
        ("PUT", "/{index}/_bulk"),
    ] {
        let expected = (expected.0.to_owned(), expected.1.to_owned());
        assert!(routed.contains(&expected), "{expected:?} not found");
    }
    assert!(routed.len() > 100, "only {} routes found", routed.len());
    let mut cased = BTreeSet::new();
    for case in CASES {
        let key = (case.method.to_owned(), case.path.to_owned());
        assert!(cased.insert(key.clone()), "{key:?} has two cases");
    }
    let missing: Vec<_> = routed.difference(&cased).collect();
    let stale: Vec<_> = cased.difference(&routed).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "routes without an isolation case: {missing:?}; cases of no route: {stale:?}"
    );
}

#[test]
fn the_route_reader_finds_chained_methods_and_ignores_strings() {
    let source = r#"
        Router::new()
            .route("/a", get(|| async { Redirect::to("/b(") }))
            .route(
                "/c/{id}",
                get(api::c::get).post(api::c::post).head(head_ok),
            )
            .route("/d", delete(x)) // .route("/e", get(y)) is read too
    "#;
    assert_eq!(
        routes_in(source),
        [
            ("GET", "/a"),
            ("GET", "/c/{id}"),
            ("POST", "/c/{id}"),
            ("HEAD", "/c/{id}"),
            ("DELETE", "/d"),
            ("GET", "/e"),
        ]
        .map(|(m, p)| (m.to_owned(), p.to_owned()))
    );
}

// ---- Two tenants with one of everything ---------------------------------------------------------

/// The objects of one tenant a request can name.
#[derive(Clone, Debug)]
struct Objects {
    tenant: i64,
    slug: String,
    /// The username of the tenant's client contact (`user`).
    username: String,
    incident: vigie_soc::IncidentId,
    incident2: vigie_soc::IncidentId,
    alert: String,
    alert2: String,
    /// An alert in no incident, for the web forms.
    alert3: String,
    /// The tenant's client contact.
    user: vigie_access::UserId,
    /// A SOC user working for the tenant only.
    soc_user: vigie_access::UserId,
    suppression: vigie_soc::SuppressionId,
    suppression2: vigie_soc::SuppressionId,
    task: vigie_soc::TaskId,
    /// API tokens of a user of the tenant (for tenant A: of its SOC lead, the control
    /// caller).
    user_token: vigie_access::UserTokenId,
    user_token2: vigie_access::UserTokenId,
    /// A read token of the tenant that no caller uses.
    tenant_token: vigie_access::TokenId,
    /// A saved view of a SOC user of the tenant (for A: its SOC lead).
    view: i64,
    /// A finished backtest job of the tenant's read token.
    job: u64,
    /// Dead notifications about the tenant's incident (the dead-letter list): one for the
    /// API's retry, one for the page's.
    notification: vigie_soc::notify::NotificationId,
    notification2: vigie_soc::notify::NotificationId,
}

/// Objects that do not exist.
fn unknown() -> Objects {
    Objects {
        tenant: 999_999,
        slug: "zone-z".into(),
        username: "nobody-here".into(),
        incident: vigie_soc::IncidentId(999_999),
        incident2: vigie_soc::IncidentId(999_998),
        alert: "f".repeat(32),
        alert2: "e".repeat(32),
        alert3: "d".repeat(32),
        user: vigie_access::UserId(999_999),
        soc_user: vigie_access::UserId(999_998),
        suppression: vigie_soc::SuppressionId(999_999),
        suppression2: vigie_soc::SuppressionId(999_998),
        task: vigie_soc::TaskId(999_999),
        user_token: vigie_access::UserTokenId(999_999),
        user_token2: vigie_access::UserTokenId(999_998),
        tenant_token: vigie_access::TokenId(999_999),
        view: 999_999,
        job: 999_999,
        notification: vigie_soc::notify::NotificationId(999_999),
        notification2: vigie_soc::notify::NotificationId(999_998),
    }
}

/// `text` with its `$name` placeholders filled: the probe's target objects, and `own` for
/// the `$own_…` ones (tenant A's, beside a foreign object).
fn fill(text: &str, target: &Objects, own: &Objects) -> String {
    let now = jiff::Timestamp::now().to_string();
    let mut pairs: Vec<(&str, String)> = vec![
        ("$own_incident2", own.incident2.to_string()),
        ("$own_incident", own.incident.to_string()),
        ("$own_alert", own.alert.clone()),
        ("$own_tenant", own.tenant.to_string()),
        ("$own_user", own.user.to_string()),
        ("$soc_user", target.soc_user.to_string()),
        ("$incident2", target.incident2.to_string()),
        ("$incident", target.incident.to_string()),
        ("$alert3", target.alert3.clone()),
        ("$alert2", target.alert2.clone()),
        ("$alert", target.alert.clone()),
        ("$user_token2", target.user_token2.to_string()),
        ("$user_token", target.user_token.to_string()),
        ("$username", target.username.clone()),
        ("$user", target.user.to_string()),
        ("$suppression2", target.suppression2.to_string()),
        ("$suppression", target.suppression.to_string()),
        ("$tenant_token", target.tenant_token.to_string()),
        ("$tenant", target.tenant.to_string()),
        ("$slug", target.slug.clone()),
        ("$task", target.task.to_string()),
        ("$view", target.view.to_string()),
        ("$job", target.job.to_string()),
        ("$notification2", target.notification2.to_string()),
        ("$notification", target.notification.to_string()),
        ("$now", now),
        ("$rule", RULE.to_owned()),
    ];
    pairs.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
    let mut out = text.to_owned();
    for (name, value) in pairs {
        out = out.replace(name, &value);
    }
    assert!(!out.contains('$'), "unfilled: {out}");
    out
}

/// The request of `probe` with its objects filled.
fn request(probe: &Probe, target: &Objects, own: &Objects) -> (String, Payload) {
    let uri = fill(probe.uri, target, own);
    let payload = match probe.body {
        Body::None => Payload::None,
        Body::Json(text) => {
            let text = fill(text, target, own);
            Payload::Json(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}")))
        }
        Body::Form(text) => Payload::Form(fill(text, target, own)),
        Body::Text(content_type, text) => {
            Payload::Raw(content_type, fill(text, target, own).into_bytes())
        }
    };
    (uri, payload)
}

/// The marker in every text of tenant B (and only there).
const B_MARK: &str = "b-only";

struct Matrix {
    world: World,
    /// The router with the event store and hunting attached.
    app: axum::Router,
    a: Objects,
    b: Objects,
    a_id: TenantId,
    b_id: TenantId,
    /// Tenant B's read token (to read B's jobs).
    b_read: String,
    /// B's user whose saved views are B's.
    b_analyst: vigie_access::UserId,
    /// B's client contact, whose API tokens are B's.
    b_member: vigie_access::UserId,
    /// The credentials that are not sessions.
    tokens: BTreeMap<Caller, String>,
    /// The audit entries about B read so far, and the last entry read.
    audit_of_b: std::sync::Mutex<(i64, Vec<Value>)>,
}

fn store_event(tenant: TenantId, mark: &str, n: i64) -> Event {
    let mut fields = serde_json::Map::new();
    for (key, value) in [
        ("Channel", json!("Microsoft-Windows-Sysmon/Operational")),
        ("EventID", json!(1)),
        ("Image", json!("C:\\Windows\\System32\\whoami.exe")),
        ("User", json!("CORP\\user")),
        ("Computer", json!(format!("{mark}-host-{n}"))),
        ("note", json!(format!("{mark}-event"))),
        ("url.domain", json!("evil.example")),
    ] {
        fields.insert(key.to_owned(), value);
    }
    Event::new(
        tenant,
        jiff::Timestamp::now() - jiff::SignedDuration::from_mins(n),
        "http",
        fields,
    )
}

/// Runs a job of `token` to its end; its view.
async fn finished_job(app: &axum::Router, token: &str, id: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = send(
            app,
            Method::GET,
            &format!("/api/v1/jobs/{id}"),
            &Payload::None,
            &Call::bearer(token),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let job = r.json();
        if job["state"] != "running" {
            return job;
        }
        assert!(Instant::now() < deadline, "job {id} did not finish: {job}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Creates tenant `slug` and one of everything in it, every text carrying `mark`.
#[allow(clippy::too_many_arguments)]
async fn seed(
    world: &World,
    app: &axum::Router,
    root: &Call,
    tenant: TenantId,
    slug: &str,
    mark: &str,
    base: u128,
    soc_user: vigie_access::UserId,
) -> (Objects, String) {
    let store = &world.store;
    let platform = Access::new(store.clone()).operator_scope();
    let actor = Actor::operator();
    let mut alerts = Vec::new();
    for n in 0..4 {
        let alert = NewAlert {
            tenant,
            rule_id: format!("rule-{mark}"),
            rule_title: format!("{mark}-rule"),
            severity: Severity::High,
            event_id: EventId(base + n),
            event_received_at: jiff::Timestamp::now(),
            event: json!({"host": {"name": format!("{mark}-host")}, "note": format!("{mark}-alert")}),
            group_key: None,
        };
        alerts.push(alert.id());
        store.insert_alerts(&[alert]).await.unwrap();
    }
    let new_incident = |title: String, alerts: Vec<String>| NewIncident {
        tenant,
        title,
        severity: None,
        rsit_class: None,
        rsit_type: None,
        tlp: None,
        alerts,
    };
    let incident = store
        .create_incident(
            &actor,
            &platform,
            &new_incident(
                format!("{mark}-incident"),
                vec![alerts[2].clone(), alerts[1].clone()],
            ),
        )
        .await
        .unwrap()
        .id;
    let incident2 = store
        .create_incident(
            &actor,
            &platform,
            &new_incident(format!("{mark}-incident-two"), vec![]),
        )
        .await
        .unwrap()
        .id;
    let task = store
        .add_task(&actor, &platform, incident, &format!("{mark}-task"))
        .await
        .unwrap()
        .unwrap()
        .id;
    let staff = vigie_access::Access::new(store.clone()).operator_audience();
    store
        .add_comment(
            &actor,
            &platform,
            staff,
            incident,
            &vigie_soc::desk::NewComment::note(
                format!("{mark}-comment"),
                vigie_soc::desk::Visibility::Internal,
            ),
        )
        .await
        .unwrap();
    store
        .add_comment(
            &actor,
            &platform,
            staff,
            incident,
            &vigie_soc::desk::NewComment {
                kind: vigie_soc::desk::CommentKind::Question,
                ..vigie_soc::desk::NewComment::note(
                    format!("{mark}-question"),
                    vigie_soc::desk::Visibility::Shared,
                )
            },
        )
        .await
        .unwrap();
    let mut suppressions = Vec::new();
    for n in 0..2 {
        suppressions.push(
            store
                .add_suppression(
                    &actor,
                    &platform,
                    &NewSuppression {
                        tenant,
                        rule_id: format!("rule-{mark}-{n}"),
                        group_key: None,
                        reason: format!("{mark}-suppression"),
                        expires_at: "2099-01-01T00:00:00Z".parse().unwrap(),
                    },
                )
                .await
                .unwrap()
                .id,
        );
    }
    let username = format!("{mark}-member");
    let member = world.user(&username, Role::TenantUser, &[tenant]).await;
    let token_owner = if mark == B_MARK { member } else { soc_user };
    let mut user_tokens = Vec::new();
    for n in 0..2 {
        user_tokens.push(
            store
                .create_user_token(
                    &Actor::user("seed"),
                    token_owner,
                    &NewUserToken {
                        label: format!("{mark}-token-{n}"),
                        permissions: vec![Permission::ReadDesk],
                        tenants: None,
                        expires_at: None,
                    },
                )
                .await
                .unwrap()
                .token
                .id,
        );
    }
    let (tenant_token, _) = world
        .token(
            TokenOwner::Tenant(tenant),
            TokenKind::Read,
            &format!("{mark}-read"),
        )
        .await;
    let view = store
        .save_view(soc_user, &format!("{mark}-view"), "status=any")
        .await
        .unwrap()
        .id;
    // Through the API as the platform: SLA contract, NIS2 profile and a case with its clock.
    for (method, uri, body) in [
        (
            Method::PUT,
            format!("/api/v1/tenants/{}/sla", tenant.0),
            serde_json::from_str::<Value>(SLA).unwrap(),
        ),
        (
            Method::PUT,
            format!("/api/v1/tenants/{}/nis2/profile", tenant.0),
            json!({"legal_name": format!("{mark}-entity"), "category": "important"}),
        ),
        (
            Method::PUT,
            format!("/api/v1/incidents/{incident}/nis2/awareness"),
            json!({"aware_at": jiff::Timestamp::now().to_string(), "reason": format!("{mark}-aware")}),
        ),
    ] {
        let r = send(app, method, &uri, &Payload::Json(body), root).await;
        assert!(r.status.is_success(), "{uri}: {} {}", r.status, r.text());
    }
    // Events in the log, through the tenant's ingest token.
    let (_, ingest) = world
        .token(
            TokenOwner::Tenant(tenant),
            TokenKind::Ingest,
            &format!("{mark}-ingest"),
        )
        .await;
    let lines = format!("{{\"note\":\"{mark}-event\"}}\n{{\"note\":\"{mark}-event-2\"}}\n");
    let r = send(
        app,
        Method::POST,
        "/api/v1/ingest",
        &Payload::Raw(NDJSON, lines.into_bytes()),
        &Call::bearer(&ingest),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // A finished backtest job of the tenant's read token, which found the tenant's events.
    let (_, read) = world
        .token(
            TokenOwner::Tenant(tenant),
            TokenKind::Read,
            &format!("{mark}-jobs"),
        )
        .await;
    let r = send(
        app,
        Method::POST,
        "/api/v1/rules/backtest",
        &Payload::Json(serde_json::from_str(&format!("{{\"rule\":{RULE}}}")).unwrap()),
        &Call::bearer(&read),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let job = r.json()["job"].as_u64().unwrap();
    let done = finished_job(app, &read, job).await;
    assert_eq!(done["state"], "done", "{done}");
    let text = done.to_string();
    assert!(text.contains(&format!("{mark}-event")), "{text}");
    // A dead notification about the incident (the notification log's dead letters).
    let notification = dead_notification(store, tenant, incident, mark, 1).await;
    let notification2 = dead_notification(store, tenant, incident, mark, 2).await;
    (
        Objects {
            tenant: tenant.0,
            slug: slug.to_owned(),
            username,
            incident,
            incident2,
            alert: alerts[0].clone(),
            alert2: alerts[1].clone(),
            alert3: alerts[3].clone(),
            user: member,
            soc_user,
            suppression: suppressions[0],
            suppression2: suppressions[1],
            task,
            user_token: user_tokens[0],
            user_token2: user_tokens[1],
            tenant_token,
            view,
            job,
            notification,
            notification2,
        },
        read,
    )
}

/// A notification of `tenant` about `incident`, queued, claimed and given up.
async fn dead_notification(
    store: &Arc<vigie_soc::SqliteStore>,
    tenant: TenantId,
    incident: vigie_soc::IncidentId,
    mark: &str,
    n: u32,
) -> vigie_soc::notify::NotificationId {
    use vigie_soc::notify::{Channel, Delivery, NewNotification, NotifyEvent};
    let now = jiff::Timestamp::now();
    let dedup = format!("alert:{mark}-{n}:to:{mark}-recipient");
    store
        .enqueue_notifications(
            &[NewNotification {
                dedup: dedup.clone(),
                tenant: Some(tenant),
                incident: Some(incident),
                event: NotifyEvent::Alert,
                channel: Channel::Email,
                recipient: format!("{mark}-recipient"),
                address: format!("{mark}@soc.example"),
                client: false,
                language: "en".into(),
                subject: format!("{mark}-subject"),
                body: format!("{mark}-body"),
                subject_ref: None,
                team: None,
                level: 0,
                due_at: now,
            }],
            now,
        )
        .await
        .unwrap();
    let claimed = store
        .claim_notifications(now, Duration::from_secs(60), 100)
        .await
        .unwrap();
    let id = claimed.iter().find(|n| n.dedup == dedup).unwrap().id;
    store
        .finish_notification(
            id,
            &Delivery::Dead {
                error: format!("{mark}-error"),
            },
            now,
        )
        .await
        .unwrap();
    id
}

async fn matrix() -> Matrix {
    let world = common::world(Options {
        metrics: Some(
            metrics_exporter_prometheus::PrometheusBuilder::new()
                .build_recorder()
                .handle(),
        ),
        ..Options::default()
    })
    .await;
    let a_id = world.tenant("zone-a", "Zone A a-own").await;
    let b_id = world.tenant("zone-b", "Zone B b-only").await;
    let events = Arc::new(
        EmbeddedStore::open(EmbeddedConfig {
            dir: world.dir.path().join("store"),
            ..EmbeddedConfig::default()
        })
        .unwrap(),
    );
    let mut batch = Vec::new();
    for n in 0..3 {
        batch.push(LoggedEvent::new(n as u64, store_event(a_id, "a-own", n)));
        batch.push(LoggedEvent::new(
            10 + n as u64,
            store_event(b_id, B_MARK, n),
        ));
    }
    events.write(batch).await.unwrap();
    let app = world
        .app
        .clone()
        .layer(Extension(Hunting::new(
            events.clone(),
            Arc::new(RuleSet::new()),
            1000,
        )))
        .layer(Extension(EventBook::new(events, 1000)));
    world
        .store
        .replace_rule_status(&[
            RuleStatus {
                path: "rules/whoami.yml".into(),
                audience: RuleAudience::Everyone,
                rule_id: Some("shared-rule".into()),
                title: Some("Shared rule".into()),
                severity: Some(Severity::Low),
                loaded: true,
                reason: None,
            },
            RuleStatus {
                path: "filters/zone-a/a-own-filter.yml".into(),
                audience: RuleAudience::Tenant(a_id),
                rule_id: Some("a-own-filter".into()),
                title: Some("a-own-filter".into()),
                severity: None,
                loaded: true,
                reason: None,
            },
            RuleStatus {
                path: "filters/zone-b/b-only-filter.yml".into(),
                audience: RuleAudience::Tenant(b_id),
                rule_id: Some("b-only-filter".into()),
                title: Some("b-only-filter".into()),
                severity: None,
                loaded: true,
                reason: None,
            },
        ])
        .await
        .unwrap();

    world.user("root", Role::PlatformAdmin, &[]).await;
    let lead_a = world.user("lead-a", Role::SocLead, &[a_id]).await;
    world.user("admin-a", Role::TenantAdmin, &[a_id]).await;
    world.user("client-a", Role::TenantUser, &[a_id]).await;
    let b_analyst = world.user("b-only-analyst", Role::Analyst, &[b_id]).await;
    let root = session(&app, "root").await;
    let (a, a_read) = seed(&world, &app, &root, a_id, "zone-a", "a-own", 100, lead_a).await;
    let (b, b_read) = seed(&world, &app, &root, b_id, "zone-b", B_MARK, 200, b_analyst).await;
    let b_member = b.user;

    let mut tokens = BTreeMap::new();
    tokens.insert(Caller::ReadTokenA, a_read);
    for (caller, kind) in [
        (Caller::AdminTokenA, TokenKind::Admin),
        (Caller::IngestTokenA, TokenKind::Ingest),
    ] {
        let (_, secret) = world
            .token(TokenOwner::Tenant(a_id), kind, "a-own-caller")
            .await;
        tokens.insert(caller, secret);
    }
    let (_, platform_read) = world
        .token(TokenOwner::Platform, TokenKind::Read, "platform-read")
        .await;
    tokens.insert(Caller::PlatformReadToken, platform_read);
    let root_id = world
        .store
        .list_users(&Access::new(world.store.clone()).operator_scope())
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.username == "root")
        .unwrap()
        .id;
    let narrowed = world
        .store
        .create_user_token(
            &Actor::user("root"),
            root_id,
            &NewUserToken {
                label: "narrowed to a".into(),
                permissions: Permission::ALL.to_vec(),
                tenants: Some(vec![a_id]),
                expires_at: None,
            },
        )
        .await
        .unwrap();
    tokens.insert(Caller::UserTokenNarrowedA, narrowed.secret);
    Matrix {
        world,
        app,
        a,
        b,
        a_id,
        b_id,
        b_read,
        b_analyst,
        b_member,
        tokens,
        audit_of_b: std::sync::Mutex::new((0, Vec::new())),
    }
}

impl Matrix {
    /// A caller's credentials (a new session for the session callers).
    async fn call(&self, caller: Caller) -> Call {
        let user = match caller {
            Caller::SocLeadA => "lead-a",
            Caller::TenantAdminA => "admin-a",
            Caller::ClientA => "client-a",
            Caller::Platform => "root",
            Caller::Anonymous => return Call::default(),
            token => return Call::bearer(&self.tokens[&token]),
        };
        session(&self.app, user).await
    }

    /// Tenant of every record of the log, in order.
    async fn log_tenants(&self) -> Vec<i64> {
        let log = &self.world.log;
        let mut out = Vec::new();
        let mut at = 0;
        while at < log.end_offset() {
            let records = log.read(at, 1000).await.unwrap();
            for record in &records {
                out.push(Event::from_record(&record.payload).unwrap().tenant.0);
                at = record.offset + 1;
            }
        }
        out
    }

    /// Everything tenant B holds, as the platform sees it.
    async fn snapshot_b(&self) -> Value {
        let store = &self.world.store;
        let platform = Access::new(store.clone()).operator_scope();
        let b = platform.narrow(self.b_id).unwrap();
        let at: jiff::Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
        let incidents = store
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
            details.push(json!({
                "detail": serde_json::to_value(store.incident_detail(&b, vigie_access::Access::new(store.clone()).operator_audience(), i.id, at).await.unwrap()).unwrap(),
                "nis2": serde_json::to_value(store.nis2_case(&b, i.id).await.unwrap()).unwrap(),
            }));
        }
        let alerts = store
            .list_alerts(&b, &Default::default(), &vigie_soc::Page::first(1000))
            .await
            .unwrap();
        // Refusals and logins are recorded; a change of B would be one of the others. The
        // entries are read once each (every refusal adds one).
        let (after, mut audit) = self.audit_of_b.lock().unwrap().clone();
        let mut last = after;
        for e in store.audit_entries(after, 100_000).await.unwrap() {
            last = e.seq;
            if e.tenant == Some(self.b_id.0)
                && e.action != "authz.denied"
                && !e.action.starts_with("login.")
            {
                audit.push(json!([e.seq, e.action, e.object]));
            }
        }
        *self.audit_of_b.lock().unwrap() = (last, audit.clone());
        let jobs = send(
            &self.app,
            Method::GET,
            "/api/v1/jobs",
            &Payload::None,
            &Call::bearer(&self.b_read),
        )
        .await
        .json();
        let records = self
            .log_tenants()
            .await
            .into_iter()
            .filter(|t| *t == self.b_id.0)
            .count();
        json!({
            "tenants": serde_json::to_value(store.list_tenants(&platform).await.unwrap()).unwrap(),
            "incidents": details,
            "alerts": serde_json::to_value(alerts).unwrap(),
            "suppressions": serde_json::to_value(store.list_suppressions(&b).await.unwrap()).unwrap(),
            "users": serde_json::to_value(store.list_users(&b).await.unwrap()).unwrap(),
            "tokens": serde_json::to_value(store.list_tokens(&b).await.unwrap()).unwrap(),
            "user_tokens": serde_json::to_value(store.list_user_tokens(self.b_member).await.unwrap()).unwrap(),
            "views": serde_json::to_value(store.saved_views(self.b_analyst).await.unwrap()).unwrap(),
            "sla": serde_json::to_value(store.sla_contract(&b, self.b_id).await.unwrap()).unwrap(),
            "nis2_profile": serde_json::to_value(store.nis2_profile(&b, self.b_id).await.unwrap()).unwrap(),
            "rules": serde_json::to_value(store.list_rule_status(&b).await.unwrap()).unwrap(),
            "notifications": serde_json::to_value(store.list_notifications(&b, &Default::default()).await.unwrap()).unwrap(),
            "audit": audit,
            "jobs": jobs,
            "log_records": records,
        })
    }
}

/// The start of a reply's body, from its main part for a page.
fn excerpt(text: &str) -> String {
    let from = text.find("<main").unwrap_or(0);
    text[from..].chars().take(400).collect()
}

/// The parts of two snapshots that differ, by key.
fn diff(before: &Value, after: &Value) -> String {
    let mut out = Vec::new();
    for (key, value) in after.as_object().unwrap() {
        if before.get(key) != Some(value) {
            out.push(format!("{key}: {} -> {value}", before[key]));
        }
    }
    out.join("; ")
}

/// Whether a reply is a refusal: 400 (a foreign id in a body is an invalid value), 401, 403,
/// 404, or the login page.
fn is_refusal(reply: &Reply) -> bool {
    matches!(reply.status.as_u16(), 400 | 401 | 403 | 404)
        || (reply.status.is_redirection() && reply.location().starts_with("/ui/login"))
}

/// Sends `probe` filled with `target`'s objects as `call`.
async fn probe_as(
    m: &Matrix,
    method: &Method,
    probe: &Probe,
    target: &Objects,
    call: &Call,
) -> Reply {
    let (uri, payload) = request(probe, target, &m.a);
    let mut call = call.clone();
    if probe.html {
        call.accept = Some("text/html");
    }
    send(&m.app, method.clone(), &uri, &payload, &call).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_a_reaches_nothing_of_tenant_b_on_any_route() {
    let m = matrix().await;
    let original = m.snapshot_b().await;
    assert!(
        original.to_string().contains(B_MARK),
        "the snapshot holds B's objects"
    );
    let mut baseline = original.clone();
    let log_before = m.world.log.end_offset();
    let unknown = unknown();
    let mut violations = Vec::new();
    let mut cells = 0;
    for caller in A_SIDE {
        let call = m.call(caller).await;
        for case in CASES {
            let method: Method = case.method.parse().unwrap();
            for (n, probe) in case.probes.iter().enumerate() {
                cells += 1;
                let at = format!("{caller:?} {} {} probe {n}", case.method, case.path);
                let r = probe_as(&m, &method, probe, &m.b, &call).await;
                let text = r.text();
                if text.contains(B_MARK) {
                    violations.push(format!(
                        "{at}: tenant B's data in the reply ({}): {text}",
                        r.status
                    ));
                }
                if probe.expect == Expect::Refused {
                    if !is_refusal(&r) {
                        violations.push(format!(
                            "{at}: not refused: {} {} {}",
                            r.status,
                            r.location(),
                            text.chars().take(300).collect::<String>()
                        ));
                    }
                    let u = probe_as(&m, &method, probe, &unknown, &call).await;
                    if u.status != r.status {
                        violations.push(format!(
                            "{at}: B's object answers {}, an unknown one {}",
                            r.status, u.status
                        ));
                    }
                }
                if method != Method::GET && method != Method::HEAD {
                    let now = m.snapshot_b().await;
                    if now != baseline {
                        violations.push(format!(
                            "{at}: tenant B changed ({} {}): {}",
                            r.status,
                            text.chars().take(300).collect::<String>(),
                            diff(&baseline, &now)
                        ));
                        baseline = now;
                    }
                }
            }
            // A session caller's probes prove something only while its session lives (the
            // login and logout cases, last, end it).
            if SESSIONS.contains(&caller)
                && !case.path.ends_with("/login")
                && !case.path.ends_with("/logout")
            {
                let me = send(
                    &m.app,
                    Method::GET,
                    "/api/v1/auth/me",
                    &Payload::None,
                    &call,
                )
                .await;
                if me.status != StatusCode::OK {
                    violations.push(format!(
                        "{caller:?}: the session ended at {} {} ({}): later probes prove nothing",
                        case.method, case.path, me.status
                    ));
                    break;
                }
            }
        }
        let now = m.snapshot_b().await;
        if now != baseline {
            violations.push(format!(
                "{caller:?}: tenant B changed by a GET: {}",
                diff(&baseline, &now)
            ));
            baseline = now;
        }
    }
    if baseline != original {
        violations.push(format!(
            "tenant B differs from before the matrix: {}",
            diff(&original, &baseline)
        ));
    }

    // What A's ingest token sent, however it named B, is A's.
    let tenants = m.log_tenants().await;
    let sent: Vec<i64> = tenants[log_before as usize..].to_vec();
    assert!(
        sent.len() >= 10,
        "the ingest probes were accepted ({} records)",
        sent.len()
    );
    if sent.iter().any(|t| *t != m.a_id.0) {
        violations.push(format!(
            "events of A's ingest token landed in other tenants: {sent:?}"
        ));
    }

    // Jobs of A's tokens found A's events and none of B's.
    for caller in [Caller::ReadTokenA, Caller::AdminTokenA] {
        let token = &m.tokens[&caller];
        let list = send(
            &m.app,
            Method::GET,
            "/api/v1/jobs",
            &Payload::None,
            &Call::bearer(token),
        )
        .await
        .json();
        let ids: Vec<u64> = list["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["id"].as_u64().unwrap())
            .collect();
        if ids.contains(&m.b.job) {
            violations.push(format!("{caller:?} lists B's job: {list}"));
        }
        let mut found = 0;
        for id in ids {
            let job = finished_job(&m.app, token, id).await;
            let text = job.to_string();
            if text.contains(B_MARK) {
                violations.push(format!("{caller:?} job {id} saw B's events: {text}"));
            }
            if text.contains("a-own-event") {
                found += 1;
            }
        }
        assert!(found >= 2, "{caller:?}: {found} jobs found A's events");
    }
    println!(
        "T1 matrix: {} routes, {} callers, {cells} cells, {} violations",
        CASES.len(),
        A_SIDE.len(),
        violations.len()
    );
    assert!(
        violations.is_empty(),
        "{} isolation violations:\n{}",
        violations.len(),
        violations.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_case_works_for_its_own_tenant() {
    let m = matrix().await;
    let mut wrong = Vec::new();
    let mut calls: BTreeMap<Caller, Call> = BTreeMap::new();
    for case in CASES {
        let method: Method = case.method.parse().unwrap();
        let control = case.control;
        let probe = control.probe.unwrap_or(case.probes[0]);
        // A login or logout ends the session: those get a session of their own.
        let ends_session = case.path.ends_with("/login") || case.path.ends_with("/logout");
        if ends_session || !calls.contains_key(&control.caller) {
            calls.insert(control.caller, m.call(control.caller).await);
        }
        let r = probe_as(&m, &method, &probe, &m.a, &calls[&control.caller]).await;
        // Sent to the login page: refused (a logout's own answer excepted).
        let to_login = r.status.is_redirection()
            && r.location().starts_with("/ui/login")
            && !case.path.ends_with("/logout");
        if r.status.as_u16() != control.status || to_login {
            wrong.push(format!(
                "{:?} {} {}: {} (expected {}) {} {}",
                control.caller,
                case.method,
                case.path,
                r.status.as_u16(),
                control.status,
                r.location(),
                excerpt(&r.text())
            ));
        }
        if r.text().contains(B_MARK) {
            wrong.push(format!(
                "{} {}: B's data for A: {}",
                case.method,
                case.path,
                r.text()
            ));
        }
    }
    // The hunt of A's read token shows A's events and none of B's.
    let r = send(
        &m.app,
        Method::POST,
        "/api/v1/hunt",
        &Payload::Json(json!({"query": "*"})),
        &Call::bearer(&m.tokens[&Caller::ReadTokenA]),
    )
    .await;
    assert!(
        r.text().contains("a-own-event") && !r.text().contains(B_MARK),
        "{}",
        r.text()
    );
    assert!(
        wrong.is_empty(),
        "controls that failed:\n{}",
        wrong.join("\n")
    );
}
