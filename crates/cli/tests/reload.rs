//! Rules put in force without a restart: a rule file added to the rules directory of a
//! running `vigie serve` is detecting within seconds; in cluster mode, `vigie rules publish`
//! reaches every node (each node watches the published bundle), and a rejected directory is
//! not published.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{Value, json};
use support::{Server, cli, start_with_config};
use vigie_nats::testing::{NatsCluster, skip};

const NEW_RULE_ID: &str = "6a0d6e3c-1f7e-4d55-9a52-1b1a0c0d0e01";

fn new_rule() -> String {
    format!(
        "title: Reloaded rule (vigie test)\nid: {NEW_RULE_ID}\nstatus: test\n\
         logsource:\n    product: vigie\n    service: test\n\
         detection:\n    selection:\n        vigie_test: reloaded\n    condition: selection\n\
         level: high\n"
    )
}

fn copy_rules(to: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rules");
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

fn post(client: &Client, server: &Server, token: &str, event: &Value) -> u16 {
    client
        .post(format!("{}/api/v1/ingest", server.base))
        .bearer_auth(token)
        .body(format!("{event}\n"))
        .send()
        .unwrap()
        .status()
        .as_u16()
}

fn has_alert(client: &Client, server: &Server, token: &str, rule: &str) -> bool {
    support::all_alerts(client, server, token)
        .iter()
        .any(|a| a["rule_id"] == rule)
}

/// Sends a `reloaded` event every half second until one of `servers` shows its alert.
fn new_rule_detects(
    client: &Client,
    servers: &[(&Server, &str, &str)],
    within: Duration,
) -> Duration {
    let started = Instant::now();
    let mut seq = 0;
    loop {
        let (server, ingest, _) = servers[seq % servers.len()];
        assert_eq!(
            post(
                client,
                server,
                ingest,
                &json!({"vigie_test": "reloaded", "seq": seq})
            ),
            200
        );
        seq += 1;
        std::thread::sleep(Duration::from_millis(500));
        if servers
            .iter()
            .any(|(server, _, read)| has_alert(client, server, read, NEW_RULE_ID))
        {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "the new rule did not detect within {within:?}"
        );
    }
}

#[test]
fn a_rule_added_to_the_directory_detects_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let rules = dir.path().join("rules");
    copy_rules(&rules);
    let config = dir.path().join("vigie.toml");
    std::fs::write(&config, "version = 1\n\n[detection]\nreload_seconds = 1\n").unwrap();
    cli(
        &data,
        &[
            "--config",
            config.to_str().unwrap(),
            "tenant",
            "add",
            "commune-wavre",
        ],
    );
    let token = |scope| {
        cli(
            &data,
            &[
                "token",
                "create",
                "--tenant",
                "commune-wavre",
                "--scope",
                scope,
            ],
        )
    };
    let (ingest, read) = (token("ingest"), token("read"));
    let server = start_with_config(&data, Some(&rules), Some(&config));
    let client = Client::new();
    // Not detected before the rule exists.
    assert_eq!(
        post(
            &client,
            &server,
            &ingest,
            &json!({"vigie_test": "reloaded", "seq": -1})
        ),
        200
    );
    std::thread::sleep(Duration::from_secs(2));
    assert!(!has_alert(&client, &server, &read, NEW_RULE_ID));
    std::fs::write(rules.join("reloaded.yml"), new_rule()).unwrap();
    let took = new_rule_detects(
        &client,
        &[(&server, &ingest, &read)],
        Duration::from_secs(30),
    );
    eprintln!("rules directory change in force after {took:?}");
    // The rule status lists it.
    let status: Value = client
        .get(format!("{}/api/v1/rules", server.base))
        .bearer_auth(&read)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(status.to_string().contains(NEW_RULE_ID), "{status}");
    // A broken file is reported and the rules in force stay.
    std::fs::write(rules.join("broken.yml"), "title: [unclosed\n").unwrap();
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        post(
            &client,
            &server,
            &ingest,
            &json!({"vigie_test": "marker", "seq": 7})
        ),
        200
    );
    let started = Instant::now();
    while !has_alert(
        &client,
        &server,
        &read,
        "5f1f2b50-3d0f-4c34-9d8b-7c1a0f0e1a02",
    ) {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "marker rule lost after a broken file"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    // Each reload is in the audit chain: the new rule, then the broken file.
    drop(server);
    let reloads = tokio::runtime::Runtime::new().unwrap().block_on(async {
        use vigie_soc::prelude::*;
        let store = vigie_soc::SqliteStore::open(&data.join("state.sqlite"))
            .await
            .unwrap();
        store
            .audit_entries(0, 10_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "rules.reload")
            .collect::<Vec<_>>()
    });
    assert!(reloads.len() >= 2, "{reloads:?}");
    let payload: Value = serde_json::from_str(&reloads[0].payload).unwrap();
    assert_eq!(payload["source"], "rules directory");
    assert!(payload["rules"].as_u64().unwrap() >= 2, "{payload}");
    assert_eq!(reloads[0].actor, "system");
}

#[test]
fn vigie_rules_publish_reaches_every_node() {
    let nats = match NatsCluster::start(3) {
        Ok(nats) => nats,
        Err(reason) => {
            skip("vigie_rules_publish_reaches_every_node", &reason);
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let urls: Vec<String> = nats.urls().iter().map(|u| format!("{u:?}")).collect();
    let config = dir.path().join("vigie.toml");
    std::fs::write(
        &config,
        format!(
            "version = 1\n\n[store]\nenabled = false\n\n[cluster.nats]\nurls = [{}]\n\
             partitions = 2\nreplicas = 3\nack_wait_seconds = 5\npin_timeout_seconds = 2\n",
            urls.join(", ")
        ),
    )
    .unwrap();
    let config_arg = config.to_str().unwrap();
    let rules = dir.path().join("rules");
    copy_rules(&rules);
    let mut nodes = Vec::new();
    for name in ["a", "b"] {
        let data = dir.path().join(name);
        cli(&data, &["--config", config_arg, "cluster", "init"]);
        cli(
            &data,
            &["--config", config_arg, "tenant", "add", "region-wal"],
        );
        let token = |scope| {
            cli(
                &data,
                &[
                    "--config",
                    config_arg,
                    "token",
                    "create",
                    "--tenant",
                    "region-wal",
                    "--scope",
                    scope,
                ],
            )
        };
        let (ingest, read) = (token("ingest"), token("read"));
        let server = start_with_config(&data, Some(&rules), Some(&config));
        nodes.push((server, ingest, read));
    }
    // A directory with a rejected rule is not published.
    let bad = dir.path().join("bad");
    copy_rules(&bad);
    std::fs::write(bad.join("broken.yml"), "title: [unclosed\n").unwrap();
    let out = std::process::Command::new(support::BIN)
        .args(["--config", config_arg, "--data-dir"])
        .arg(dir.path().join("a"))
        .args(["rules", "publish"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not published"));

    let publish = dir.path().join("publish");
    copy_rules(&publish);
    std::fs::write(publish.join("reloaded.yml"), new_rule()).unwrap();
    let said = cli(
        &dir.path().join("a"),
        &[
            "--config",
            config_arg,
            "rules",
            "publish",
            publish.to_str().unwrap(),
        ],
    );
    assert!(said.contains("published 3 file(s)"), "{said}");
    let client = Client::new();
    let servers: Vec<(&Server, &str, &str)> = nodes
        .iter()
        .map(|(s, i, r)| (s, i.as_str(), r.as_str()))
        .collect();
    let took = new_rule_detects(&client, &servers, Duration::from_secs(30));
    eprintln!("published rules in force after {took:?}");
    // Every node has the bundle in force (its rule status lists the new rule).
    for (server, _, read) in &servers {
        let started = Instant::now();
        loop {
            let status: Value = client
                .get(format!("{}/api/v1/rules", server.base))
                .bearer_auth(read)
                .send()
                .unwrap()
                .json()
                .unwrap();
            if status.to_string().contains(NEW_RULE_ID) {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{} lacks the rule",
                server.base
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}
