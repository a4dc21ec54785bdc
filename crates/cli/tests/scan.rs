//! `vigie scan` against the real binary: the same matches as the live pipeline on the same
//! files (OTRF event sets and SigmaHQ's regression `.evtx` files, with their JSON twins),
//! the timeline formats, `--explain`, `--min-level`, correlations in event-time order, bad
//! lines named and counted, and a closed output pipe ending the scan quietly.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use reqwest::blocking::Client;
use serde_json::{Value, json};
use support::{BIN, all_alerts, cli, drained_within, skip, start};

/// The shared fixtures (SigmaHQ rules, regression data, OTRF events).
fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

/// Runs `vigie scan ARGS...` and returns its exit code, stdout and stderr.
fn scan(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .arg("scan")
        .args(args)
        .env("VIGIE_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Matches per rule id in a JSON summary.
fn matches_per_rule(summary: &Value) -> BTreeMap<String, u64> {
    summary["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_owned(),
                r["matches"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The files of both kinds the live test and the scan read: three OTRF sets and every
/// SigmaHQ regression `.evtx` file with its JSON twin (a pretty-printed EVTX record).
fn copy_inputs(fixtures: &Path, to: &Path) -> usize {
    let mut files = 0;
    for name in [
        "cmd_sam_copy_esentutl.jsonl.gz",
        "psh_lsass_memory_dump_comsvcs.jsonl.gz",
        "empire_shell_rubeus_asktgt_ptt.jsonl.gz",
    ] {
        std::fs::copy(fixtures.join("otrf").join(name), to.join(name)).unwrap();
        files += 1;
    }
    let mut stack = vec![fixtures.join("sigma/regression_data")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "evtx" || e == "json") {
                let parent = path.parent().unwrap().file_name().unwrap();
                let name = format!(
                    "{}-{}",
                    parent.to_str().unwrap(),
                    path.file_name().unwrap().to_str().unwrap()
                );
                std::fs::copy(&path, to.join(name)).unwrap();
                files += 1;
            }
        }
    }
    files
}

#[test]
fn scan_matches_what_the_live_pipeline_alerts_on() {
    let test = "scan_matches_what_the_live_pipeline_alerts_on";
    let fixtures = fixtures();
    let rules = fixtures.join("sigma/rules/rules/windows");
    if !rules.is_dir()
        || !fixtures.join("sigma/regression_data").is_dir()
        || !fixtures.join("otrf").is_dir()
    {
        skip(
            test,
            "the shared fixtures (SigmaHQ rules and regression data, OTRF sets) are missing",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("inputs");
    std::fs::create_dir(&inputs).unwrap();
    let files = copy_inputs(&fixtures, &inputs);
    assert!(files > 200, "{files} input files");

    // The scan.
    let (code, stdout, stderr) = scan(&[
        "--rules",
        rules.to_str().unwrap(),
        "--format",
        "jsonl",
        "--summary",
        "json",
        "--output",
        dir.path().join("timeline.jsonl").to_str().unwrap(),
        inputs.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}\n{stdout}");
    let summary: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["files"].as_u64().unwrap() as usize, files);
    assert_eq!(summary["file_errors"], json!([]));
    assert_eq!(summary["rejected_lines"], json!({}));
    let scanned = matches_per_rule(&summary);
    let total: u64 = scanned.values().sum();
    assert_eq!(summary["matches"].as_u64().unwrap(), total);
    assert!(scanned.len() > 100, "{} rules matched", scanned.len());
    // Every SigmaHQ regression case's rule matched (its .evtx and its JSON twin).
    let timeline = std::fs::read_to_string(dir.path().join("timeline.jsonl")).unwrap();
    let rows: Vec<Value> = timeline
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len() as u64, total, "one timeline row per match");
    for row in &rows {
        assert_eq!(row["kind"], "match");
        assert!(row["fields"].is_object(), "{row}");
        assert!(
            row["searches"]
                .as_object()
                .unwrap()
                .values()
                .any(|held| held == true),
            "a match says which search held: {row}"
        );
    }
    let sorted: Vec<&str> = rows
        .iter()
        .filter_map(|r| r["timestamp"].as_str())
        .collect();
    assert!(
        sorted.windows(2).all(|w| {
            w[0].parse::<jiff::Timestamp>().unwrap() <= w[1].parse::<jiff::Timestamp>().unwrap()
        }),
        "the timeline is in event-time order"
    );

    // The same files through the live pipeline: imported for a tenant, detected by the
    // server with the same rules.
    let data = dir.path().join("data");
    cli(&data, &["tenant", "add", "cpas-a", "--name", "CPAS A"]);
    let imported = cli(
        &data,
        &[
            "import",
            "--tenant",
            "cpas-a",
            "--quiet",
            inputs.to_str().unwrap(),
        ],
    );
    assert!(
        imported.contains(&format!("accepted {},", summary["events"])),
        "{imported}"
    );
    let server = start(&data, Some(&rules));
    let client = Client::new();
    let read = cli(
        &data,
        &["token", "create", "--tenant", "cpas-a", "--scope", "read"],
    );
    drained_within(&client, &server, std::time::Duration::from_secs(300));
    let mut live: BTreeMap<String, u64> = BTreeMap::new();
    for alert in all_alerts(&client, &server, &read) {
        *live
            .entry(alert["rule_id"].as_str().unwrap().to_owned())
            .or_default() += alert["count"].as_u64().unwrap();
    }
    assert_eq!(
        scanned, live,
        "scan and live pipeline: matches per rule (left) and alert hits per rule (right)"
    );
}

/// A rule, a correlation over it, and events of three hosts at known times.
fn small_case(dir: &Path) -> (PathBuf, PathBuf) {
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("whoami.yml"),
        "title: Whoami Run\nid: 11111111-0000-4000-8000-000000000001\nstatus: test\nlevel: high\n\
         logsource:\n  product: windows\n  category: process_creation\n\
         detection:\n  selection:\n    Image|endswith: '\\whoami.exe'\n  condition: selection\n",
    )
    .unwrap();
    std::fs::write(
        rules.join("net.yml"),
        "title: Net Run\nid: 11111111-0000-4000-8000-000000000002\nstatus: test\nlevel: low\n\
         logsource:\n  product: windows\n  category: process_creation\n\
         detection:\n  selection:\n    Image|endswith: '\\net.exe'\n  filter:\n    CommandLine|contains: 'share'\n  condition: selection and not filter\n",
    )
    .unwrap();
    std::fs::write(
        rules.join("burst.yml"),
        "title: Net Burst\nid: 11111111-0000-4000-8000-000000000003\nstatus: test\nlevel: critical\n\
         correlation:\n  type: event_count\n  rules:\n    - 11111111-0000-4000-8000-000000000002\n  group-by:\n    - Computer\n  timespan: 1m\n  condition:\n    gte: 3\n",
    )
    .unwrap();
    let events = dir.join("events.jsonl");
    let mut text = String::new();
    let event = |host: &str, second: u32, image: &str, command: &str| {
        json!({
            "@timestamp": format!("2026-11-02T10:00:{second:02}Z"),
            "Channel": "Microsoft-Windows-Sysmon/Operational",
            "EventID": 1,
            "Computer": host,
            "Image": image,
            "CommandLine": command,
        })
        .to_string()
            + "\n"
    };
    // Written out of time order: the timeline sorts, the correlation runs in time order.
    text += &event("pc-2", 30, "C:\\Windows\\System32\\net.exe", "net user");
    text += &event(
        "pc-1",
        5,
        "C:\\Windows\\System32\\whoami.exe",
        "whoami /all",
    );
    text += &event("pc-2", 10, "C:\\Windows\\System32\\net.exe", "net group");
    text += "{not json\n";
    text += &event(
        "pc-2",
        20,
        "C:\\Windows\\System32\\net.exe",
        "net localgroup",
    );
    text += &event("pc-3", 40, "C:\\Windows\\System32\\net.exe", "net share");
    text += &event("pc-3", 41, "C:\\Windows\\System32\\notepad.exe", "notepad");
    std::fs::write(&events, text).unwrap();
    (rules, events)
}

#[test]
fn scan_timeline_summary_explain_correlation_and_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let (rules, events) = small_case(dir.path());
    let (rules, events) = (rules.to_str().unwrap(), events.to_str().unwrap());

    // CSV on stdout, summary on stderr; the bad line is named and the exit code says the
    // input was not all read.
    let (code, stdout, stderr) = scan(&["--rules", rules, events]);
    assert_eq!(code, 1, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        "timestamp,level,kind,rule_title,rule_id,host,channel,event_id,record_id,file,event,details"
    );
    // whoami (pc-1 at :05) first, then the correlation row (window end :30); the net.exe
    // matches are correlation input only (generate: false) and not alerts of their own.
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[1].starts_with("2026-11-02T10:00:05Z,high,match,Whoami Run,"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains(",pc-1,"), "{}", lines[1]);
    assert!(lines[1].contains("Image=C:\\Windows\\System32\\whoami.exe"));
    assert!(
        lines[1].ends_with("CommandLine=whoami /all | Image=C:\\Windows\\System32\\whoami.exe"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("2026-11-02T10:00:30Z,critical,correlation,Net Burst,"),
        "{}",
        lines[2]
    );
    assert!(lines[2].contains("Computer=pc-2"), "{}", lines[2]);
    assert!(
        stderr.contains("events.jsonl: line 4:"),
        "the bad line is named: {stderr}"
    );
    assert!(
        stderr.contains("1 line(s) or record(s) not read (invalid_json 1)"),
        "{stderr}"
    );
    assert!(stderr.contains("3 correlation input only"), "{stderr}");

    // JSON Lines with the fields; --explain shows why the net rule did not match pc-3's
    // `net share`, --min-level keeps the critical correlation only.
    let (_, stdout, _) = scan(&[
        "--rules",
        rules,
        "--format",
        "jsonl",
        "--summary",
        "none",
        "--explain",
        "11111111-0000-4000-8000-000000000002",
        events,
    ]);
    let rows: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Every event the rule ran on without matching: pc-1's whoami, pc-3's two.
    let no_match: Vec<&Value> = rows.iter().filter(|r| r["kind"] == "no_match").collect();
    assert_eq!(no_match.len(), 3, "{stdout}");
    let share = no_match
        .iter()
        .find(|r| r["fields"]["CommandLine"] == "net share")
        .unwrap();
    assert_eq!(share["searches"]["selection"], true);
    assert_eq!(share["searches"]["filter"], true);
    assert_eq!(share["event"], 6, "the event's line in its file");
    let correlation = rows.iter().find(|r| r["kind"] == "correlation").unwrap();
    assert_eq!(correlation["correlation"]["total_events"], 3);
    assert_eq!(correlation["correlation"]["group"]["Computer"], "pc-2");
    assert_eq!(
        correlation["correlation"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap().rsplit('#').next().unwrap().to_owned())
            .collect::<Vec<_>>(),
        ["3", "5", "1"],
        "contributing events named by file and line, in time order"
    );
    let (_, stdout, _) = scan(&[
        "--rules",
        rules,
        "--min-level",
        "critical",
        "--summary",
        "none",
        events,
    ]);
    assert_eq!(stdout.lines().count(), 2, "{stdout}");

    // The JSON summary counts per rule and level.
    let (_, stdout, _) = scan(&[
        "--rules",
        rules,
        "--format",
        "none",
        "--summary",
        "json",
        events,
    ]);
    let summary: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["events"], 6);
    assert_eq!(summary["rejected_lines"]["invalid_json"], 1);
    assert_eq!(summary["levels"]["high"], 1);
    assert_eq!(summary["correlations"][0]["hits"], 1);
    let per_rule = matches_per_rule(&summary);
    assert_eq!(per_rule["11111111-0000-4000-8000-000000000001"], 1);
    assert_eq!(per_rule["11111111-0000-4000-8000-000000000002"], 0);
    let net = summary["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "11111111-0000-4000-8000-000000000002")
        .unwrap();
    assert_eq!(net["correlation_input_only"], 3);

    // Errors name what is wrong.
    let (code, _, stderr) = scan(&["--rules", rules, "--explain", "no-such-rule", events]);
    assert_eq!(code, 1);
    assert!(stderr.contains("--explain no-such-rule"), "{stderr}");
    let (code, _, stderr) = scan(&[
        "--rules",
        rules,
        dir.path().join("nope.jsonl").to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("nope.jsonl"), "{stderr}");
}

#[test]
fn a_closed_output_pipe_ends_scan_and_rules_test_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let (rules, _) = small_case(dir.path());
    // Enough matches to fill the pipe: the writer meets the closed end.
    let events = dir.path().join("many.jsonl");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&events).unwrap());
    for i in 0..20_000 {
        writeln!(
            file,
            "{}",
            json!({
                "@timestamp": format!("2026-11-02T10:{:02}:{:02}Z", i / 60 % 60, i % 60),
                "Channel": "Microsoft-Windows-Sysmon/Operational",
                "EventID": 1,
                "Computer": format!("pc-{i}"),
                "Image": "C:\\Windows\\System32\\whoami.exe",
                "CommandLine": "whoami",
            })
        )
        .unwrap();
    }
    file.flush().unwrap();
    drop(file);
    for args in [
        vec![
            "scan",
            "--rules",
            rules.to_str().unwrap(),
            events.to_str().unwrap(),
        ],
        vec![
            "rules",
            "test",
            rules.join("whoami.yml").to_str().unwrap().to_owned().leak(),
            "--events",
            events.to_str().unwrap(),
        ],
    ] {
        let mut child = Command::new(BIN)
            .args(&args)
            .env("VIGIE_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(!first.is_empty(), "{args:?}");
        // The reader is gone (stdout dropped above).
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{args:?} ends with success: {:?} {stderr}",
            out.status
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}
