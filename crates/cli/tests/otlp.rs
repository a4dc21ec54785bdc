//! OTLP logs intake end to end through the `vigie` binary, with the OpenTelemetry Python SDK
//! and its OTLP exporters as the senders (`tests/data/otlp_send.py`; `scripts/test` installs
//! them in its virtualenv): OTLP/HTTP (protobuf, gzip) and OTLP/gRPC reach the right
//! tenant, their resource and record attributes declare the source type, the rules of that
//! source fire and no other's; exporters retry what the backlog refuses and nothing is lost;
//! wrong tokens are refused. OTLP/HTTP's JSON encoding, partial success and refusals are
//! checked with plain HTTP requests.

mod support;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use reqwest::blocking::Client;
use serde_json::{Value, json};
use support::{Server, all_alerts, cli, drained_within, start_with_config};

use support::skip;

/// A Python with the OpenTelemetry SDK and its OTLP exporters, or the test recorded as
/// skipped.
fn sdk_python(test: &str) -> Option<PathBuf> {
    let python = support::python_with("opentelemetry.exporter.otlp.proto.grpc");
    if python.is_none() {
        skip(
            test,
            "Python with the OpenTelemetry SDK and OTLP exporters not found (scripts/test installs them)",
        );
    }
    python
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn token(data: &Path, tenant: &str, scope: &str) -> String {
    secret(&cli(
        data,
        &["token", "create", "--tenant", tenant, "--scope", scope],
    ))
}

/// A platform read token (what `/metrics` asks for).
fn platform_token(data: &Path) -> String {
    secret(&cli(
        data,
        &["token", "create", "--platform", "--scope", "read"],
    ))
}

fn secret(out: &str) -> String {
    out.split_whitespace()
        .find(|w| w.starts_with("vgt_"))
        .unwrap_or_else(|| panic!("no token in {out:?}"))
        .to_owned()
}

const RULES: [(&str, &str); 4] = [
    (
        "sshd_failed.yml",
        "title: SSH login with an invalid user\nid: 6f0d1c1e-0c7a-4b8e-9a51-1b0e7f3e5a01\nstatus: test\nlevel: medium\nlogsource:\n  product: linux\n  service: sshd\ndetection:\n  selection:\n    message|contains: 'Failed password for invalid user'\n  condition: selection\n",
    ),
    (
        "cloudtrail_create_user.yml",
        "title: IAM user created\nid: 6f0d1c1e-0c7a-4b8e-9a51-1b0e7f3e5a02\nstatus: test\nlevel: high\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  selection:\n    eventSource: iam.amazonaws.com\n    eventName: CreateUser\n  condition: selection\n",
    ),
    // Rules of other sources whose conditions the OTLP events would satisfy: they must
    // never run on them.
    (
        "windows_trap.yml",
        "title: Windows trap\nid: 6f0d1c1e-0c7a-4b8e-9a51-1b0e7f3e5a03\nstatus: test\nlevel: high\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  keywords:\n    - 'Failed password'\n    - 'CreateUser'\n  condition: keywords\n",
    ),
    (
        "auditd_trap.yml",
        "title: auditd trap\nid: 6f0d1c1e-0c7a-4b8e-9a51-1b0e7f3e5a04\nstatus: test\nlevel: high\nlogsource:\n  product: linux\n  service: auditd\ndetection:\n  keywords:\n    - 'Failed password'\n  condition: keywords\n",
    ),
];

fn rules_dir(root: &Path) -> PathBuf {
    let dir = root.join("rules");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in RULES {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/otlp_send.py")
}

/// Runs the SDK sender; its JSON summary: `[records, result]` per export call.
fn send(
    python: &Path,
    protocol: &str,
    endpoint: &str,
    token: &str,
    count: usize,
    gzip: bool,
) -> Vec<(u64, String)> {
    send_with(
        python,
        &[
            protocol,
            endpoint,
            token,
            &count.to_string(),
            if gzip { "gzip" } else { "none" },
        ],
    )
}

/// Runs the SDK sender with these arguments (see the script).
fn send_with(python: &Path, args: &[&str]) -> Vec<(u64, String)> {
    let protocol = args[0];
    let out = Command::new(python)
        .arg(script())
        .args(args)
        // `requests` lets these override the CA file the exporter gives its session.
        .env_remove("REQUESTS_CA_BUNDLE")
        .env_remove("CURL_CA_BUNDLE")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{protocol} sender: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "{protocol} sender said {stdout:?} ({e})\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let exports: Vec<(u64, String)> = summary["exports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e[0].as_u64().unwrap(), e[1].as_str().unwrap().to_owned()))
        .collect();
    if exports.iter().any(|(_, result)| result != "SUCCESS") {
        // What the exporter logged about it.
        eprintln!(
            "{protocol} sender: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    exports
}

fn titles(alerts: &[Value]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for alert in alerts {
        *counts
            .entry(alert["rule_title"].as_str().unwrap_or("?").to_owned())
            .or_insert(0) += 1;
    }
    counts
}

/// The result of a hunt, once it matches something (the store indexes a moment after the
/// pipeline has seen the events) or after 30 s.
fn hunt(client: &Client, server: &Server, token: &str, query: &str) -> Value {
    let started = std::time::Instant::now();
    loop {
        let result = support::hunt(client, server, token, query);
        if result["events_matched"] != 0 || started.elapsed() > Duration::from_secs(30) {
            return result;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn opentelemetry_sdk_exporters_over_http_and_grpc_reach_their_tenant_and_rules() {
    let test = "opentelemetry_sdk_exporters_over_http_and_grpc_reach_their_tenant_and_rules";
    let Some(python) = sdk_python(test) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    cli(&data, &["tenant", "add", "cpas-a"]);
    cli(&data, &["tenant", "add", "zone-b"]);
    let ingest_a = token(&data, "cpas-a", "ingest");
    let ingest_b = token(&data, "zone-b", "ingest");
    let read_a = token(&data, "cpas-a", "read");
    let read_b = token(&data, "zone-b", "read");
    let platform = platform_token(&data);
    let grpc = format!("127.0.0.1:{}", free_port());
    let config = dir.path().join("vigie.toml");
    std::fs::write(
        &config,
        format!("version = 1\n[otlp]\ngrpc_listen = \"{grpc}\"\n"),
    )
    .unwrap();
    let rules = rules_dir(dir.path());
    let server = start_with_config(&data, Some(&rules), Some(&config));
    let client = Client::new();

    // cpas-a over OTLP/HTTP (protobuf, gzip), zone-b over OTLP/gRPC.
    let http = send(&python, "http", &server.base, &ingest_a, 300, true);
    let over_grpc = send(&python, "grpc", &grpc, &ingest_b, 200, false);
    for (name, exports, records) in [("http", &http, 301), ("grpc", &over_grpc, 201)] {
        assert!(
            exports.iter().all(|(_, result)| result == "SUCCESS"),
            "{name}: {exports:?}"
        );
        assert_eq!(
            exports.iter().map(|(n, _)| n).sum::<u64>(),
            records,
            "{name}: {exports:?}"
        );
    }
    drained_within(&client, &server, Duration::from_secs(60));
    let a = all_alerts(&client, &server, &read_a);
    let b = all_alerts(&client, &server, &read_b);
    let expected = |sshd: usize| {
        BTreeMap::from([
            ("IAM user created".to_owned(), 1),
            ("SSH login with an invalid user".to_owned(), sshd),
        ])
    };
    assert_eq!(titles(&a), expected(300), "cpas-a");
    assert_eq!(titles(&b), expected(200), "zone-b");
    assert!(a.iter().all(|alert| alert["tenant_slug"] == "cpas-a"));
    assert!(b.iter().all(|alert| alert["tenant_slug"] == "zone-b"));

    // The source types the attributes declared, searchable; the parsers' fields there.
    let by_type = hunt(
        &client,
        &server,
        &read_a,
        "* | stats count() by event.dataset | sort event.dataset",
    );
    assert_eq!(
        by_type["rows"],
        json!([
            {"event.dataset": "aws.cloudtrail", "count()": 1},
            {"event.dataset": "linux.sshd", "count()": 300}
        ]),
        "{by_type}"
    );
    let sshd = hunt(
        &client,
        &server,
        &read_b,
        "source.ip:203.0.113.7 user.name:grpc6 | fields host.name, log.syslog.appname, service.name, otel.scope.name",
    );
    assert_eq!(
        sshd["rows"][0]["log.syslog.appname"], "sshd",
        "the body's syslog header is read: {sshd}"
    );
    assert_eq!(sshd["rows"][0]["host.name"], "web1", "{sshd}");
    assert_eq!(sshd["rows"][0]["otel.scope.name"], "auth", "{sshd}");
    let m = support::metrics(&server.base, &platform);
    assert_eq!(
        m.get("vigie_events_accepted_total{tenant=\"cpas-a\",source=\"otlp\"}"),
        Some(&301.0),
        "{m:?}"
    );
    assert_eq!(
        m.get("vigie_events_accepted_total{tenant=\"zone-b\",source=\"otlp\"}"),
        Some(&201.0)
    );

    // Tokens that may not send are refused (not retried by the exporters): nothing lands.
    for (protocol, endpoint, token) in [
        ("http", server.base.as_str(), read_a.as_str()),
        ("grpc", grpc.as_str(), read_b.as_str()),
        ("http", server.base.as_str(), "vgt_0000"),
        ("grpc", grpc.as_str(), "vgt_0000"),
    ] {
        let exports = send(&python, protocol, endpoint, token, 1, false);
        assert_eq!(
            exports,
            [(2, "FAILURE".to_owned())],
            "{protocol} with {token}"
        );
    }
    let m = support::metrics(&server.base, &platform);
    assert_eq!(
        m.get("vigie_events_accepted_total{tenant=\"cpas-a\",source=\"otlp\"}"),
        Some(&301.0)
    );
}

#[test]
fn exporters_retry_what_the_backlog_refuses_and_nothing_is_lost() {
    let test = "exporters_retry_what_the_backlog_refuses_and_nothing_is_lost";
    let Some(python) = sdk_python(test) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    cli(&data, &["tenant", "add", "cpas-a"]);
    let ingest = token(&data, "cpas-a", "ingest");
    let platform = platform_token(&data);
    let read = token(&data, "cpas-a", "read");
    let grpc = format!("127.0.0.1:{}", free_port());
    let config = dir.path().join("vigie.toml");
    // A pipeline that takes ten events per step and a backlog limit of 50: a batch of 200
    // records puts it over at once. Refused senders are told to wait 2 s (the default);
    // exporters retry a few times (the Python SDK: six, RetryInfo's delay apart for gRPC).
    std::fs::write(
        &config,
        format!(
            "version = 1\n[otlp]\ngrpc_listen = \"{grpc}\"\n[ingest]\nmax_backlog_events = 50\nretry_after_seconds = 2\nbacklog_wait_seconds = 0\n[pipeline]\nbatch_size = 10\n"
        ),
    )
    .unwrap();
    let rules = rules_dir(dir.path());
    let server = start_with_config(&data, Some(&rules), Some(&config));
    let senders: Vec<_> = [("http", server.base.clone()), ("grpc", grpc.clone())]
        .into_iter()
        .map(|(protocol, endpoint)| {
            let (python, ingest) = (python.clone(), ingest.clone());
            std::thread::spawn(move || send(&python, protocol, &endpoint, &ingest, 600, true))
        })
        .collect();
    for sender in senders {
        let exports = sender.join().unwrap();
        assert!(
            exports.iter().all(|(_, result)| result == "SUCCESS"),
            "{exports:?}"
        );
        assert_eq!(exports.iter().map(|(n, _)| n).sum::<u64>(), 601);
    }
    let client = Client::new();
    drained_within(&client, &server, Duration::from_secs(120));
    let m = support::metrics(&server.base, &platform);
    let refused = m
        .get("vigie_events_rejected_total{tenant=\"cpas-a\",source=\"otlp\",reason=\"backpressure\"}")
        .copied()
        .unwrap_or(0.0);
    assert!(
        refused > 0.0,
        "no export was refused: the overload was not one ({m:?})"
    );
    assert_eq!(
        m.get("vigie_events_accepted_total{tenant=\"cpas-a\",source=\"otlp\"}"),
        Some(&1202.0),
        "every record once, although {refused} were refused first"
    );
    let alerts = all_alerts(&client, &server, &read);
    assert_eq!(
        titles(&alerts),
        BTreeMap::from([
            ("IAM user created".to_owned(), 2),
            ("SSH login with an invalid user".to_owned(), 1200),
        ])
    );
}

#[test]
fn otlp_http_json_partial_success_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    cli(&data, &["tenant", "add", "cpas-a"]);
    let ingest = token(&data, "cpas-a", "ingest");
    let read = token(&data, "cpas-a", "read");
    let config = dir.path().join("vigie.toml");
    std::fs::write(&config, "version = 1\n[ingest]\nmax_line_bytes = 2000\n").unwrap();
    let server = start_with_config(&data, None, Some(&config));
    let client = Client::new();
    let url = format!("{}/v1/logs", server.base);
    let text = |s: &str| json!({"stringValue": s});
    // OTLP's JSON encoding (as the specification's example): hex ids, 64-bit integers as
    // strings, enums as numbers.
    let body = json!({"resourceLogs": [{
        "resource": {"attributes": [
            {"key": "service.name", "value": text("billing")},
            {"key": "event.dataset", "value": text("app.billing")}
        ]},
        "scopeLogs": [{
            "scope": {"name": "billing.payments", "version": "2.1"},
            "logRecords": [
                {
                    "timeUnixNano": "1765100000000000000",
                    "severityNumber": 17,
                    "severityText": "ERROR",
                    "traceId": "5b8efff798038103d269b633813fc60c",
                    "spanId": "eee19b7ec3c1b174",
                    "body": text("payment refused by the bank"),
                    "attributes": [
                        {"key": "http.response.status_code", "value": {"intValue": "402"}},
                        {"key": "amount", "value": {"doubleValue": 12.5}},
                        {"key": "retry", "value": {"boolValue": false}}
                    ]
                },
                {"body": text(&"x".repeat(3000))},
                {
                    "body": text("declared wrong"),
                    "attributes": [{"key": "event.dataset", "value": text("Billing App")}]
                }
            ]
        }]
    }]});
    let response = client
        .post(&url)
        .bearer_auth(&ingest)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "the reply in the request's encoding"
    );
    let reply: Value = response.json().unwrap();
    let partial = &reply["partialSuccess"];
    assert_eq!(
        partial["rejectedLogRecords"].to_string().trim_matches('"'),
        "1",
        "{reply}"
    );
    let message = partial["errorMessage"].as_str().unwrap();
    assert!(
        message.starts_with("record 2: the record holds about")
            && message.contains("the limit is 2000")
            && message.contains("record 3: source type \"Billing App\" is not a source type"),
        "{message}"
    );
    support::drained(&client, &server);
    let found = hunt(
        &client,
        &server,
        &read,
        "service.name:billing log.level:ERROR | fields event.dataset, trace.id, span.id, log.level, event.severity, http.response.status_code, amount, otel.scope.version",
    );
    assert_eq!(
        found["rows"][0],
        json!({
            "event.dataset": "app.billing",
            "trace.id": "5b8efff798038103d269b633813fc60c",
            "span.id": "eee19b7ec3c1b174",
            "log.level": "ERROR",
            "event.severity": 17,
            "http.response.status_code": 402,
            "amount": 12.5,
            "otel.scope.version": "2.1"
        }),
        "{found}"
    );
    // The record whose declaration named no source type is kept, under its resource's.
    let kept = hunt(
        &client,
        &server,
        &read,
        "\"declared wrong\" | stats count()",
    );
    assert_eq!(kept["rows"][0]["count()"], 1, "{kept}");

    // Refusals: each with its status and an OTLP `Status` body naming the problem.
    let post = |token: Option<&str>, content_type: &str, body: Vec<u8>| {
        let mut request = client
            .post(&url)
            .header("content-type", content_type)
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().unwrap();
        let status = response.status().as_u16();
        (status, response.text().unwrap())
    };
    let (status, said) = post(None, "application/json", b"{}".to_vec());
    assert_eq!(status, 401, "{said}");
    let (status, said) = post(Some(&read), "application/json", b"{}".to_vec());
    assert_eq!(status, 403, "{said}");
    assert!(said.contains("may not send events"), "{said}");
    let (status, said) = post(Some(&ingest), "text/plain", b"hello".to_vec());
    assert_eq!(status, 415, "{said}");
    let (status, said) = post(
        Some(&ingest),
        "application/x-protobuf",
        b"\x0a\xff\xff\xff\xff\x0f".to_vec(),
    );
    assert_eq!(status, 400);
    assert!(
        said.contains("not an OTLP ExportLogsServiceRequest in protobuf"),
        "{said:?}"
    );
    let (status, said) = post(
        Some(&ingest),
        "application/json",
        b"{\"resourceLogs\":7}".to_vec(),
    );
    assert_eq!(status, 400);
    let error: Value = serde_json::from_str(&said).unwrap();
    assert_eq!(error["code"], 3, "INVALID_ARGUMENT: {error}");
    assert!(
        error["message"].as_str().unwrap().contains("in JSON"),
        "{error}"
    );
    // An empty export is a success with nothing to say.
    let (status, said) = post(Some(&ingest), "application/json", b"{}".to_vec());
    assert_eq!((status, said.as_str()), (200, "{}"));
}

#[test]
fn otlp_over_tls_with_the_server_certificate() {
    let test = "otlp_over_tls_with_the_server_certificate";
    let Some(python) = sdk_python(test) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    cli(&data, &["tenant", "add", "cpas-a"]);
    let ingest = token(&data, "cpas-a", "ingest");
    // A CA and the server's certificate; both listeners use `[server]`'s files.
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "vigie test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let server_key = rcgen::KeyPair::generate().unwrap();
    let server_cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&server_key, &issuer)
        .unwrap();
    let pem = |name: &str, text: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let ca_file = pem("ca.pem", ca.pem());
    let cert = pem("server.pem", server_cert.pem());
    let key = pem("server.key", server_key.serialize_pem());
    let grpc_port = free_port();
    let config = dir.path().join("vigie.toml");
    std::fs::write(
        &config,
        format!(
            "version = 1\n[server]\ntls_cert = {:?}\ntls_key = {:?}\n[otlp]\ngrpc_listen = \"127.0.0.1:{grpc_port}\"\n",
            cert.display().to_string(),
            key.display().to_string()
        ),
    )
    .unwrap();
    let server = start_with_config(&data, None, Some(&config));
    let https = server.base.replace("http://127.0.0.1", "https://localhost");
    let grpc = format!("localhost:{grpc_port}");
    let ca_path = ca_file.display().to_string();
    for (protocol, endpoint) in [("http", https.as_str()), ("grpc", grpc.as_str())] {
        let exports = send_with(
            &python,
            &[protocol, endpoint, &ingest, "20", "gzip", &ca_path],
        );
        assert_eq!(exports, [(21, "SUCCESS".to_owned())], "{protocol} over TLS");
    }
}
