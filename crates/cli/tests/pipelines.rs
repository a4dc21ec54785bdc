//! pySigma processing pipelines through the `vigie` binary: `rules test --pipeline` maps a
//! Windows rule to a custom EDR's field names and finds the one event carrying them;
//! `--pipeline` repeats; `rules check --pipeline` and `config check` refuse a pipeline
//! with a transformation vigie does not apply, naming the file, the transformation and
//! its type.

mod support;

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use support::BIN;

const RULE: &str = r"title: Whoami all
id: 6f0e2c9a-3b51-4d7e-9a41-2c8f0d5e7b13
status: test
logsource:
    category: process_creation
    product: windows
detection:
    selection_img:
        - Image|endswith: '\whoami.exe'
        - OriginalFileName: 'whoami.exe'
    selection_cli:
        CommandLine|contains|windash: ' -all'
    condition: all of selection_*
level: medium
";

const MYEDR: &str = r"name: myedr process events
priority: 20
transformations:
  - id: myedr_logsource
    type: change_logsource
    product: myedr
    rule_conditions:
      - type: logsource
        product: windows
        category: process_creation
  - id: myedr_field_names
    type: field_name_mapping
    mapping:
      Image: process.path
      OriginalFileName: [process.pe.original_name, process.pe.internal_name]
      CommandLine: process.command_line
    rule_conditions:
      - type: logsource
        product: myedr
  - id: myedr_process_starts
    type: add_condition
    conditions:
      event.action: process_started
";

/// Applied after MYEDR (higher priority), although given first.
const SERVERS_ONLY: &str = r"name: servers only
priority: 30
transformations:
  - type: add_condition
    conditions:
      host.name|startswith: srv
";

const BAD: &str = r"name: lowercase everything
transformations:
  - type: field_name_prefix
    prefix: 'edr.'
  - id: lower
    type: regex
    method: ignore_case_brackets
";

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Runs the binary; (success, stdout, stderr).
fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .env("VIGIE_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn rules_test_and_check_apply_pysigma_pipelines() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    write(&dir.path().join("rules/whoami_all.yml"), RULE);
    write(&dir.path().join("myedr.yml"), MYEDR);
    write(&dir.path().join("servers.yml"), SERVERS_ONLY);
    write(&dir.path().join("bad.yml"), BAD);
    let edr = |action: &str, host: &str| {
        json!({
            "event": {"action": action},
            "host": {"name": host},
            "process": {
                "path": "C:\\Windows\\System32\\whoami.exe",
                "command_line": "whoami.exe /all",
            },
        })
    };
    let sigma_names = json!({
        "event": {"action": "process_started"},
        "host": {"name": "srv-1"},
        "Image": "C:\\Windows\\System32\\whoami.exe",
        "CommandLine": "whoami.exe /all",
    });
    let lines = [
        edr("process_started", "srv-1"),
        sigma_names,
        edr("process_stopped", "srv-1"),
        edr("process_started", "laptop-7"),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    write(&dir.path().join("events.jsonl"), &text);

    let test = |pipelines: &[&str]| -> Value {
        let (rules, events) = (at("rules"), at("events.jsonl"));
        let mut args = vec![
            "rules", "test", &rules, "--events", &events, "--format", "json",
        ];
        for pipeline in pipelines {
            args.extend(["--pipeline", pipeline]);
        }
        let (ok, stdout, stderr) = run(&args);
        assert!(ok, "{stdout}{stderr}");
        serde_json::from_str(&stdout).unwrap()
    };
    let matched = |result: &Value| -> Vec<String> {
        result["rules"][0]["matched"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                let event = m["event"].as_str().unwrap();
                event.rsplit_once('#').unwrap().1.to_owned()
            })
            .collect()
    };
    // The EDR's process starts carry the mapped names and the added condition.
    let result = test(&[&at("myedr.yml")]);
    assert_eq!(matched(&result), ["1", "4"], "{result:#}");
    assert_eq!(
        result["pipelines"],
        json!([format!("`myedr process events` ({})", at("myedr.yml"))])
    );
    // Without the pipeline the rule is a Windows rule: no match.
    assert_eq!(matched(&test(&[])), Vec::<String>::new());
    // Repeated: both apply, by priority (the servers condition lands outermost).
    let result = test(&[&at("servers.yml"), &at("myedr.yml")]);
    assert_eq!(matched(&result), ["1"], "{result:#}");
    assert_eq!(
        result["pipelines"][0],
        json!(format!("`myedr process events` ({})", at("myedr.yml")))
    );

    // `rules check` lists the pipeline and passes; a refused pipeline fails, named.
    let (ok, stdout, stderr) = run(&[
        "rules",
        "check",
        &at("rules"),
        "--pipeline",
        &at("myedr.yml"),
    ]);
    assert!(ok, "{stdout}{stderr}");
    assert!(
        stdout.contains("pipeline `myedr process events`")
            && stdout.contains("1 rule(s) loaded, 0 rejected"),
        "{stdout}"
    );
    let (ok, stdout, stderr) = run(&["rules", "check", &at("rules"), "--pipeline", &at("bad.yml")]);
    assert!(!ok, "{stdout}");
    assert!(
        stderr.contains(&format!(
            "{}: transformation 2 (id `lower`): type `regex` is not supported by vigie",
            at("bad.yml")
        )),
        "{stderr}"
    );
    let (ok, _, stderr) = run(&[
        "rules",
        "test",
        &at("rules"),
        "--events",
        &at("events.jsonl"),
        "--pipeline",
        &at("missing.yml"),
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("cannot read pipeline") && stderr.contains("missing.yml"),
        "{stderr}"
    );

    // `[detection] pipelines`: a refused or missing file stops the configuration.
    let config = |pipelines: &[&str]| {
        let path = dir.path().join("vigie.toml");
        let list: Vec<String> = pipelines.iter().map(|p| format!("{p:?}")).collect();
        write(
            &path,
            &format!(
                "version = 1\ndata_dir = {:?}\n[detection]\npipelines = [{}]\n",
                at("data"),
                list.join(", ")
            ),
        );
        run(&["--config", path.to_str().unwrap(), "config", "check"])
    };
    let (ok, stdout, stderr) = config(&[&at("myedr.yml"), &at("servers.yml")]);
    assert!(ok, "{stdout}{stderr}");
    let (ok, _, stderr) = config(&[&at("myedr.yml"), &at("bad.yml"), &at("missing.yml")]);
    assert!(!ok);
    assert!(
        stderr.contains("[detection] pipelines")
            && stderr.contains("bad.yml: transformation 2 (id `lower`): type `regex`")
            && stderr.contains(&format!("cannot read {}", at("missing.yml"))),
        "{stderr}"
    );
}
