//! Per-tenant detection tuning through the real binary: a Sigma filter in
//! `filters/<tenant>/` silences a rule for that tenant only, `expand` placeholders take their
//! values from the tenant's configuration, and `vigie rules check` reports the filters.

use std::path::Path;
use std::process::Command;

use reqwest::blocking::Client;
use serde_json::{Value, json};

mod support;

use support::{BIN, Server, cli, drained, ingest, start_with_config};

const WHOAMI: &str = "title: Whoami run
id: 11111111-2222-4333-8444-555555555555
status: test
level: high
logsource:
    product: windows
    category: process_creation
detection:
    selection:
        Image|endswith: '\\whoami.exe'
    condition: selection
";

const ADMIN_FILTER: &str = "title: Admin accounts may run whoami
id: 99999999-2222-4333-8444-555555555555
logsource:
    product: windows
    category: process_creation
filter:
    rules:
        - 11111111-2222-4333-8444-555555555555
    selection:
        User|startswith: 'adm_'
    condition: selection
";

const SERVER_LOGON: &str = "title: Logon on a server
id: 22222222-2222-4333-8444-555555555555
status: test
level: medium
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4624
        WorkstationName|expand: '%Servers%'
    condition: selection
";

const MANY_WHOAMI: &str = "title: Many whoami runs
id: 33333333-2222-4333-8444-555555555555
status: test
correlation:
    type: event_count
    rules:
        - 11111111-2222-4333-8444-555555555555
    group-by:
        - User
    timespan: 10m
    condition:
        gte: 3
level: high
---
title: Whoami runs on many hosts
id: 44444444-2222-4333-8444-555555555555
status: test
correlation:
    type: value_count
    rules:
        - 11111111-2222-4333-8444-555555555555
    group-by:
        - User
    timespan: 10m
    condition:
        field: Computer
        gte: 3
level: high
";

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// (rule id, user or workstation) of every alert the token may read, sorted.
fn alerts(client: &Client, server: &Server, token: &str) -> Vec<(String, String)> {
    let page: Value = client
        .get(format!("{}/api/v1/alerts?limit=1000", server.base))
        .bearer_auth(token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let mut list: Vec<(String, String)> = page["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let event = &a["event"];
            let who = event["User"]
                .as_str()
                .or(event["WorkstationName"].as_str())
                .unwrap_or_default();
            (a["rule_id"].as_str().unwrap().to_owned(), who.to_owned())
        })
        .collect();
    list.sort();
    list
}

#[test]
fn tenant_filters_and_placeholders_tune_only_their_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let (data, rules) = (dir.path().join("data"), dir.path().join("rules"));
    write(&rules.join("windows/whoami.yml"), WHOAMI);
    write(&rules.join("windows/server_logon.yml"), SERVER_LOGON);
    write(
        &rules.join("filters/zone-a/mf_admin_whoami.yml"),
        ADMIN_FILTER,
    );
    let config = dir.path().join("vigie.toml");
    std::fs::write(
        &config,
        "version = 1\n[detection.placeholders.zone-a]\nServers = [\"SRV-*\", \"DC01\"]\n",
    )
    .unwrap();
    std::fs::create_dir_all(&data).unwrap();
    cli(&data, &["tenant", "add", "zone-a"]);
    cli(&data, &["tenant", "add", "zone-b"]);
    let token = |tenant: &str, scope: &str| {
        cli(
            &data,
            &["token", "create", "--tenant", tenant, "--scope", scope],
        )
    };
    let (ingest_a, ingest_b) = (token("zone-a", "ingest"), token("zone-b", "ingest"));
    let (read_a, read_b) = (token("zone-a", "read"), token("zone-b", "read"));

    let server = start_with_config(&data, Some(&rules), Some(&config));
    let client = Client::new();
    let whoami = |user: &str| {
        json!({"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1,
            "Image": "C:\\Windows\\System32\\whoami.exe", "User": user})
    };
    let logon = |ws: &str| json!({"Channel": "Security", "EventID": 4624, "WorkstationName": ws});
    // The same events to both tenants.
    let events = [
        whoami("adm_alice"),
        whoami("bob"),
        logon("srv-web"),
        logon("dc01"),
        logon("laptop-7"),
    ];
    ingest(&client, &server, &ingest_a, &events);
    ingest(&client, &server, &ingest_b, &events);
    drained(&client, &server);

    let whoami_id = "11111111-2222-4333-8444-555555555555".to_owned();
    let logon_id = "22222222-2222-4333-8444-555555555555".to_owned();
    // Tenant A: its filter removes the admin's whoami; its servers are named.
    assert_eq!(
        alerts(&client, &server, &read_a),
        vec![
            (whoami_id.clone(), "bob".to_owned()),
            (logon_id.clone(), "dc01".to_owned()),
            (logon_id, "srv-web".to_owned()),
        ]
    );
    // Tenant B: no filter, no placeholder values (the expand check is false).
    assert_eq!(
        alerts(&client, &server, &read_b),
        vec![
            (whoami_id.clone(), "adm_alice".to_owned()),
            (whoami_id, "bob".to_owned()),
        ]
    );
    drop(server);

    // `rules check` names the filter and the placeholder warning, and passes.
    let out = Command::new(BIN)
        .args(["rules", "check"])
        .arg(&rules)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("filter   filters/zone-a/mf_admin_whoami.yml: 99999999-"),
        "{text}"
    );
    assert!(text.contains("%Servers%"), "{text}");
    assert!(text.contains("2 rule(s) loaded, 0 rejected"), "{text}");
    assert!(text.contains("1 tenant filter(s)"), "{text}");

    // A filter folder naming no tenant is a rejection (no database here: every folder is
    // accepted by `rules check`, so this is checked through the server's rule status, which
    // shows it to the platform only).
    write(&rules.join("filters/nobody/f.yml"), ADMIN_FILTER);
    let platform = cli(&data, &["token", "create", "--platform", "--scope", "read"]);
    let server = start_with_config(&data, Some(&rules), Some(&config));
    let status: Value = client
        .get(format!("{}/api/v1/rules", server.base))
        .bearer_auth(&platform)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let text = status.to_string();
    assert!(
        text.contains("filters/nobody/f.yml") && text.contains("names no tenant"),
        "{text}"
    );
}

/// `vigie rules test --tenant SLUG` applies the filters of `filters/SLUG/`: the event they
/// exclude is listed as filtered, not matched; other tenants' filters stay out, and a slug
/// without a filter folder is an error naming it.
#[test]
fn rules_test_applies_a_tenants_filters() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    write(&rules.join("windows/whoami.yml"), WHOAMI);
    write(
        &rules.join("filters/zone-a/mf_admin_whoami.yml"),
        ADMIN_FILTER,
    );
    let events = dir.path().join("events.jsonl");
    let line = |user: &str| {
        json!({
            "Channel": "Microsoft-Windows-Sysmon/Operational",
            "EventID": 1,
            "Image": "C:\\Windows\\System32\\whoami.exe",
            "User": user,
        })
        .to_string()
    };
    write(
        &events,
        &format!("{}\n{}\n", line("adm_alice"), line("bob")),
    );
    let test = |extra: &[&str]| {
        let out = Command::new(BIN)
            .args(["rules", "test"])
            .arg(&rules)
            .arg("--events")
            .arg(&events)
            .args(extra)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // Without a tenant no filter applies.
    let (ok, text, _) = test(&["--format", "json"]);
    assert!(ok, "{text}");
    let result: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(result["matches"], 2, "{text}");
    assert_eq!(result["rules"][0]["filtered"], json!([]), "{text}");

    let (ok, text, _) = test(&["--tenant", "zone-a", "--format", "json"]);
    assert!(ok, "{text}");
    let result: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(result["matches"], 1, "{text}");
    let rule = &result["rules"][0];
    assert_eq!(rule["matches"], 1, "{text}");
    assert!(
        rule["matched"][0]["event"]
            .as_str()
            .unwrap()
            .ends_with("#2"),
        "{text}"
    );
    assert!(
        rule["filtered"][0]["event"]
            .as_str()
            .unwrap()
            .ends_with("#1"),
        "{text}"
    );
    assert_eq!(
        result["filters"][0]["id"],
        "99999999-2222-4333-8444-555555555555"
    );

    let (ok, text, _) = test(&["--tenant", "zone-a"]);
    assert!(ok, "{text}");
    assert!(text.contains("filter   99999999-"), "{text}");
    assert!(text.contains("    filtered "), "{text}");
    assert!(text.contains("1 match(es)"), "{text}");

    let (ok, _, error) = test(&["--tenant", "zone-b"]);
    assert!(!ok);
    assert!(error.contains("no filters for tenant `zone-b`"), "{error}");
}

/// `GET /api/v1/rules` shows a tenant the shared rules and its own filters only, and names
/// files relative to the rules directory: no server path reaches anyone. The platform sees
/// every tenant's filters and the folders that name no tenant.
#[test]
fn the_rule_catalogue_shows_a_tenant_its_own_filters_and_no_server_path() {
    let dir = tempfile::tempdir().unwrap();
    let (data, rules) = (dir.path().join("data"), dir.path().join("rules"));
    write(&rules.join("windows/whoami.yml"), WHOAMI);
    // The same id again: its rejection names the first file.
    write(&rules.join("windows/whoami_copy.yml"), WHOAMI);
    write(&rules.join("windows/broken.yml"), "title: [unclosed\n");
    write(
        &rules.join("filters/zone-a/mf_admin_whoami.yml"),
        ADMIN_FILTER,
    );
    write(
        &rules.join("filters/zone-b/zb_secret_filter.yml"),
        &ADMIN_FILTER.replace("99999999-", "88888888-"),
    );
    write(&rules.join("filters/zone-b/zb_broken.yml"), "filter: [\n");
    write(&rules.join("filters/nobody/f.yml"), ADMIN_FILTER);
    write(&rules.join("correlation/many_whoami.yml"), MANY_WHOAMI);
    std::fs::create_dir_all(&data).unwrap();
    cli(&data, &["tenant", "add", "zone-a"]);
    cli(&data, &["tenant", "add", "zone-b"]);
    let token = |args: &[&str]| {
        let mut all = vec!["token", "create"];
        all.extend_from_slice(args);
        cli(&data, &all)
    };
    let read_a = token(&["--tenant", "zone-a", "--scope", "read"]);
    let read_b = token(&["--tenant", "zone-b", "--scope", "read"]);
    let platform = token(&["--platform", "--scope", "read"]);
    let server = start_with_config(&data, Some(&rules), None);
    let client = Client::new();
    let catalogue = |token: &str| -> Value {
        let reply = client
            .get(format!("{}/api/v1/rules", server.base))
            .bearer_auth(token)
            .send()
            .unwrap();
        assert_eq!(reply.status().as_u16(), 200);
        reply.json().unwrap()
    };
    let root = dir.path().display().to_string();
    for (token, own, others) in [
        (
            &read_a,
            "filters/zone-a/",
            ["filters/zone-b/", "filters/nobody/"],
        ),
        (
            &read_b,
            "filters/zone-b/",
            ["filters/zone-a/", "filters/nobody/"],
        ),
    ] {
        let reply = catalogue(token);
        let text = reply.to_string();
        assert!(text.contains(own), "{text}");
        for other in others {
            assert!(
                !text.contains(other),
                "{other} shown to another tenant: {text}"
            );
        }
        assert!(!text.contains(&root), "a server path in {text}");
        assert!(
            !text.contains("zb_secret") || own == "filters/zone-b/",
            "{text}"
        );
        // The shared rules, their rejections (with reasons) and the correlation.
        for shared in [
            "\"windows/whoami.yml\"",
            "windows/whoami_copy.yml",
            "duplicate rule id",
            "windows/broken.yml",
            "Many whoami runs",
        ] {
            assert!(text.contains(shared), "{shared} missing: {text}");
        }
    }
    let text = catalogue(&platform).to_string();
    for all in ["filters/zone-a/", "filters/zone-b/", "filters/nobody/f.yml"] {
        assert!(text.contains(all), "{all} missing for the platform: {text}");
    }
    assert!(text.contains("names no tenant"), "{text}");
}

#[test]
fn rules_lint_names_each_problem_and_exits_by_severity() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    write(&rules.join("whoami.yml"), WHOAMI);
    // An unknown modifier, a condition naming a missing identifier, a bad level, a
    // duplicate id.
    write(
        &rules.join("broken.yml"),
        "title: Broken\nid: 11111111-2222-4333-8444-555555555555\nstatus: test\nlevel: severe\n\
         logsource:\n  product: windows\n  category: process_creation\n\
         detection:\n  selection:\n    Image|endswiht: '\\\\x.exe'\n  condition: selection and filter\n",
    );
    let lint = |args: &[&str]| {
        let out = Command::new(BIN)
            .args(["rules", "lint"])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
        )
    };
    let (code, text) = lint(&[rules.to_str().unwrap()]);
    assert_eq!(code, 1, "{text}");
    for expected in [
        "broken.yml (document 0, id 11111111-2222-4333-8444-555555555555): error[unknown-modifier]",
        "endswiht",
        "error[undefined-identifier]",
        "filter",
        "error[invalid-level]",
        "severe",
        "error[duplicate-id]",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
    let (_, json) = lint(&["--format", "json", rules.to_str().unwrap()]);
    let report: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["files"], 2);
    assert!(report["errors"].as_u64().unwrap() >= 4, "{report}");
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["check"].is_string() && f["message"].is_string())
    );

    // A clean rule passes; one whose logsource nothing feeds is a warning, an error with
    // --strict.
    let clean = dir.path().join("clean");
    std::fs::create_dir_all(&clean).unwrap();
    // The specification recommends a description and an author (warnings without them).
    let documented = format!("{WHOAMI}description: Finds whoami.\nauthor: vigie tests\n");
    write(&clean.join("whoami.yml"), &documented);
    let (code, text) = lint(&[clean.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.ends_with("1 file(s): 0 error(s), 0 warning(s)\n"),
        "{text}"
    );
    write(
        &clean.join("unfed.yml"),
        &documented
            .replace(
                "11111111-2222-4333-8444-555555555555",
                "21111111-2222-4333-8444-555555555555",
            )
            .replace("category: process_creation", "category: file_access"),
    );
    let (code, text) = lint(&[clean.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("warning[logsource-not-fed]"), "{text}");
    let (code, _) = lint(&["--strict", clean.to_str().unwrap()]);
    assert_eq!(code, 1);
}
