//! The monthly client report through the real binary: a month of one tenant's alerts, an
//! incident with an SLA contract and events of two source types, read back as the report's
//! figures from the API and from `vigie report monthly`, which must agree with each other
//! and with the API's own lists (alerts, incidents, SLA summary); the PDF from the API is a
//! real PDF in the tenant's language (checked with poppler's `pdftotext` when installed);
//! a client reads its own tenant's report only.

use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{Value, json};

mod support;

use support::{BIN, all_alerts, cli, drained, hunt_count, ingest, skip, start_with_config};

const RULE: &str = r#"title: Whoami run
id: 3c0b6e1e-6f0e-4b8a-9a55-0c6f5a9f6e11
status: test
level: high
tags:
    - attack.discovery
    - attack.t1033
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4688
        CommandLine|contains: whoami
    condition: selection
"#;

/// `GET path` with `token`, asserting `status`; the body as JSON (or `Null`).
fn get(client: &Client, base: &str, token: &str, path: &str, status: u16) -> Value {
    let reply = client
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .unwrap();
    let code = reply.status().as_u16();
    let text = reply.text().unwrap();
    assert_eq!(code, status, "{path}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

#[test]
fn the_monthly_report_gives_the_apis_figures_in_the_tenants_language() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(rules.join("whoami.yml"), RULE).unwrap();
    cli(
        &data,
        &["tenant", "add", "cpas-a", "--name", "OCMW Antwerpen-Test"],
    );
    cli(&data, &["tenant", "add", "cpas-b"]);
    let config = dir.path().join("vigie.toml");
    std::fs::write(
        &config,
        "version = 1\n[reports]\nprovider = \"Test SOC\"\n[reports.languages]\ncpas-a = \"nl\"\n",
    )
    .unwrap();
    let config_arg = config.to_str().unwrap().to_owned();
    let server = start_with_config(&data, Some(&rules), Some(&config));
    let client = Client::new();
    let admin = cli(
        &data,
        &["token", "create", "--platform", "--scope", "admin"],
    );
    let ingest_a = cli(
        &data,
        &["token", "create", "--tenant", "cpas-a", "--scope", "ingest"],
    );
    let read_a = cli(
        &data,
        &["token", "create", "--tenant", "cpas-a", "--scope", "read"],
    );
    let read_b = cli(
        &data,
        &["token", "create", "--tenant", "cpas-b", "--scope", "read"],
    );
    let process = |host: &str, command: &str| {
        json!({"Channel": "Security", "EventID": 4688, "Computer": host,
               "SubjectUserName": format!("user-{host}"), "CommandLine": command})
    };
    ingest(
        &client,
        &server,
        &ingest_a,
        &[
            process("ws-1", "whoami /all"),
            process("ws-2", "cmd /c whoami"),
            process("ws-3", "whoami"),
            process("ws-4", "notepad.exe"),
        ],
    );
    drained(&client, &server);
    let started = Instant::now();
    while hunt_count(&client, &server, &read_a, "*") < 4 {
        assert!(started.elapsed() < Duration::from_secs(30), "not indexed");
        std::thread::sleep(Duration::from_millis(100));
    }
    let alerts = all_alerts(&client, &server, &read_a);
    assert_eq!(alerts.len(), 3);

    // An incident from one alert, an SLA contract, the incident acknowledged.
    let tenants = get(&client, &server.base, &admin, "/api/v1/tenants", 200);
    let tenant_a = tenants
        .as_array()
        .or_else(|| tenants["tenants"].as_array())
        .unwrap()
        .iter()
        .find(|t| t["slug"] == "cpas-a")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let reply = client
        .put(format!("{}/api/v1/tenants/{tenant_a}/sla", server.base))
        .bearer_auth(&admin)
        .json(&json!({"calendar": "24x7",
                      "targets": {"high": {"acknowledge_minutes": 30, "resolve_minutes": 480}}}))
        .send()
        .unwrap();
    assert_eq!(reply.status().as_u16(), 200);
    let incident: Value = client
        .post(format!("{}/api/v1/incidents", server.base))
        .bearer_auth(&admin)
        .json(
            &json!({"tenant": tenant_a, "title": "Reconnaissance on ws-1",
                      "alerts": [alerts[0]["id"]]}),
        )
        .send()
        .unwrap()
        .json()
        .unwrap();
    let number = incident["id"].as_i64().unwrap();
    let reply = client
        .patch(format!("{}/api/v1/incidents/{number}", server.base))
        .bearer_auth(&admin)
        .json(&json!({"status": "acknowledged"}))
        .send()
        .unwrap();
    assert_eq!(reply.status().as_u16(), 200);

    let month = jiff::Timestamp::now()
        .in_tz("Europe/Brussels")
        .unwrap()
        .strftime("%Y-%m")
        .to_string();
    let path = format!("/api/v1/reports/monthly?tenant=cpas-a&month={month}&format=json");
    let api = get(&client, &server.base, &admin, &path, 200);
    assert_eq!(api["language"], "nl", "the tenant's language: {api}");
    assert_eq!(api["provider"], "Test SOC");
    assert_eq!(api["client"]["name"], "OCMW Antwerpen-Test");

    // The alerts: as many as the API lists for the month, by severity, rule, tactic, host.
    let sum = |weeks: &Value, severity: &str| -> u64 {
        weeks
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["counts"][severity].as_u64().unwrap())
            .sum()
    };
    let (since, until) = (
        format!("{month}-01T00:00:00+01:00"),
        format!(
            "{}",
            jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1)
        ),
    );
    let listed = get(
        &client,
        &server.base,
        &admin,
        &format!(
            "/api/v1/alerts?tenant=cpas-a&limit=1000&since={}&until={}",
            since.replace('+', "%2B"),
            until
        ),
        200,
    );
    let listed = listed["alerts"].as_array().unwrap();
    assert_eq!(sum(&api["alerts_per_week"], "high"), listed.len() as u64);
    assert_eq!(
        api["top_rules"][0],
        json!({"name": "Whoami run", "count": 3})
    );
    assert_eq!(
        api["top_tactics"][0],
        json!({"name": "Discovery", "count": 3})
    );
    let hosts: Vec<&str> = api["top_hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert_eq!(hosts, ["ws-1", "ws-2", "ws-3"]);
    // The incidents and their SLA figures: the API's.
    assert_eq!(sum(&api["incidents_per_week"], "high"), 1);
    assert_eq!(api["incidents"][0]["number"], number);
    assert_eq!(api["incidents"][0]["title"], "Reconnaissance on ws-1");
    let summary = get(
        &client,
        &server.base,
        &admin,
        &format!("/api/v1/sla/summary?since={}", since.replace('+', "%2B")),
        200,
    );
    let row = summary
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["tenant"] == tenant_a)
        .unwrap();
    let high = &api["sla"]["per_severity"][0];
    assert_eq!(high["severity"], "high");
    assert_eq!(high["incidents"], row["incidents"]);
    assert_eq!(
        high["mtta_seconds"].as_u64(),
        row["mtta_seconds"].as_f64().map(|m| m.round() as u64)
    );
    assert_eq!(high["acknowledge_target_seconds"], 1800);
    // The events stored in the month, per source type and day.
    let events: u64 = api["ingest"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["days"].as_array().unwrap().iter())
        .map(|d| d["events"].as_u64().unwrap())
        .sum();
    assert_eq!(events, 4, "{}", api["ingest"]);

    // The command line gives the same figures.
    let out = Command::new(BIN)
        .args(["--config", &config_arg, "--data-dir"])
        .arg(&data)
        .args([
            "report", "monthly", "--tenant", "cpas-a", "--month", &month, "--format", "json",
            "--out", "-",
        ])
        .env("VIGIE_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut from_cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut from_api = api.clone();
    for v in [&mut from_cli, &mut from_api] {
        v["generated_at"] = Value::Null;
        // Deadlines run on the clock of each reading.
        v["nis2_cases"] = Value::Null;
    }
    assert_eq!(from_cli, from_api, "the command line and the API disagree");

    // A client reads its own report only; bad months are named.
    get(
        &client,
        &server.base,
        &read_b,
        &format!("/api/v1/reports/monthly?tenant=cpas-a&month={month}&format=json"),
        404,
    );
    get(
        &client,
        &server.base,
        &read_a,
        "/api/v1/reports/monthly?tenant=cpas-a&month=2026-13&format=json",
        400,
    );

    // The PDF, in Dutch.
    let reply = client
        .get(format!(
            "{}/api/v1/reports/monthly?tenant=cpas-a&month={month}",
            server.base
        ))
        .bearer_auth(&read_a)
        .send()
        .unwrap();
    assert_eq!(reply.status().as_u16(), 200);
    assert_eq!(reply.headers()["content-type"], "application/pdf");
    let pdf = reply.bytes().unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let file = dir.path().join("report.pdf");
    std::fs::write(&file, &pdf).unwrap();
    match Command::new("pdftotext")
        .arg("-layout")
        .arg(&file)
        .arg("-")
        .output()
    {
        Ok(text) if text.status.success() => {
            let text = String::from_utf8_lossy(&text.stdout);
            for expected in [
                "OCMW Antwerpen-Test",
                "Test SOC",
                "TLP:AMBER",
                "Whoami run",
                "Reconnaissance on ws-1",
            ] {
                assert!(text.contains(expected), "{expected} missing from:\n{text}");
            }
        }
        _ => skip(
            "report::pdf_text",
            "pdftotext (poppler-utils) is not installed; the PDF's text is not checked",
        ),
    }
}
