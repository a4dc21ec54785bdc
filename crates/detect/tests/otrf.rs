//! Routing and field mapping on real Windows events (`/work/shared/fixtures/otrf`): the same
//! rules fire on the flat native events and on ECS documents built from them (the shape
//! Winlogbeat sends), and never on another logsource's events.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use vigie_detect::RuleSet;
use vigie_event::{Event, TenantId};

fn fixtures() -> Option<(PathBuf, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures");
    let (otrf, rules) = (root.join("otrf"), root.join("sigma/rules/rules/windows"));
    match (std::fs::metadata(&otrf), std::fs::metadata(&rules)) {
        (Ok(a), Ok(b)) if a.is_dir() && b.is_dir() => Some((otrf, rules)),
        _ => {
            println!(
                "skipped: OTRF or Sigma fixtures not found under {}",
                root.display()
            );
            None
        }
    }
}

fn read_gz(path: &Path) -> Vec<Map<String, Value>> {
    let file = std::fs::File::open(path).unwrap();
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(file)
        .read_to_string(&mut text)
        .unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn event(fields: Map<String, Value>) -> Event {
    Event::new(TenantId(1), jiff::Timestamp::UNIX_EPOCH, "otrf", fields)
}

/// The ECS document Winlogbeat would send for a flat native event: channel, ids and
/// computer under `winlog`, `event.code` as a string, event data under
/// `winlog.event_data`, and the ECS process / file / registry fields.
fn to_ecs(native: &Map<String, Value>) -> Map<String, Value> {
    let get = |k: &str| native.get(k).cloned().unwrap_or(Value::Null);
    let mut event_data = Map::new();
    for (key, value) in native {
        if !["EventID", "Channel", "Hostname", "Message"].contains(&key.as_str()) {
            event_data.insert(key.clone(), value.clone());
        }
    }
    let mut doc = json!({
        "@timestamp": "2020-10-19T12:29:00.013Z",
        "event": {"code": get("EventID").to_string(), "provider": get("SourceName")},
        "winlog": {
            "channel": get("Channel"),
            "event_id": get("EventID"),
            "computer_name": get("Hostname"),
            "event_data": Value::Object(event_data),
        },
        "message": get("Message"),
    });
    let channel = get("Channel").as_str().unwrap_or_default().to_owned();
    let id = get("EventID").as_i64().unwrap_or_default();
    let mut set = |path: &str, value: Value| {
        if value.is_null() {
            return;
        }
        let mut at = &mut doc;
        let parts: Vec<&str> = path.split('.').collect();
        for part in &parts[..parts.len() - 1] {
            at = at
                .as_object_mut()
                .unwrap()
                .entry(part.to_string())
                .or_insert_with(|| json!({}));
        }
        at.as_object_mut()
            .unwrap()
            .insert(parts[parts.len() - 1].to_owned(), value);
    };
    if channel.contains("Sysmon") {
        set("process.executable", get("Image"));
        set("process.command_line", get("CommandLine"));
        set("process.parent.executable", get("ParentImage"));
        set("process.parent.command_line", get("ParentCommandLine"));
        set("process.pe.original_file_name", get("OriginalFileName"));
        set("process.working_directory", get("CurrentDirectory"));
        set("registry.path", get("TargetObject"));
        if id == 7 {
            set("file.path", get("ImageLoaded"));
        }
        if id == 11 || id == 23 {
            set("file.path", get("TargetFilename"));
        }
        if id == 22 {
            set("dns.question.name", get("QueryName"));
        }
        if id == 1 {
            set("user.name", get("User"));
        }
    }
    if channel.eq_ignore_ascii_case("security") && id == 4688 {
        set("process.executable", get("NewProcessName"));
        set("process.command_line", get("CommandLine"));
    }
    let Value::Object(map) = doc else {
        unreachable!()
    };
    map
}

#[test]
fn same_matches_on_native_and_ecs_events() {
    let Some((otrf, rules)) = fixtures() else {
        return;
    };
    let (set, report) = RuleSet::load_dir(&rules).unwrap();
    assert!(report.rejected.is_empty(), "{:?}", report.rejected.first());
    let mut native_hits: BTreeMap<String, usize> = BTreeMap::new();
    let mut ecs_hits: BTreeMap<String, usize> = BTreeMap::new();
    let mut events = 0;
    let mut files: Vec<PathBuf> = std::fs::read_dir(&otrf)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".jsonl.gz"))
        .collect();
    files.sort();
    for path in files {
        for native in read_gz(&path) {
            events += 1;
            let ecs = to_ecs(&native);
            for rule in set.evaluate(&event(native)) {
                *native_hits.entry(rule.meta.title.clone()).or_default() += 1;
            }
            for rule in set.evaluate(&event(ecs)) {
                *ecs_hits.entry(rule.meta.title.clone()).or_default() += 1;
            }
        }
    }
    println!("{events} events; matches per rule (native): {native_hits:#?}");
    assert!(events > 19_000);
    assert!(
        native_hits.len() >= 10,
        "real attack datasets fire real rules: {native_hits:?}"
    );
    assert_eq!(native_hits, ecs_hits, "native vs ECS");
}

#[test]
fn windows_rules_stay_silent_on_other_sources_and_unknown_channels() {
    let Some((_, rules)) = fixtures() else { return };
    let (set, _) = RuleSet::load_dir(&rules).unwrap();
    // A Linux audit record and a firewall line: no Windows rule runs on them, not even
    // rules made only of `not` (which would match anything).
    for fields in [
        json!({"type": "EXECVE", "a0": "whoami", "CommandLine": "whoami /all", "Image": "C:\\Windows\\System32\\whoami.exe"}),
        json!({"Channel": "Some-Vendor/Operational", "EventID": 1, "Image": "C:\\Windows\\System32\\whoami.exe", "CommandLine": "whoami /all"}),
    ] {
        let Value::Object(map) = fields else {
            unreachable!()
        };
        let hits: Vec<String> = set
            .evaluate(&event(map))
            .iter()
            .map(|r| r.meta.title.clone())
            .collect();
        assert!(hits.is_empty(), "{hits:?}");
    }
    // The same whoami on a Security 4688 event fires through the field renames.
    let Value::Object(security) = json!({
        "Channel": "Security", "EventID": 4688,
        "NewProcessName": "C:\\Windows\\System32\\whoami.exe",
        "ParentProcessName": "C:\\Windows\\System32\\cmd.exe",
        "CommandLine": "whoami /all",
    }) else {
        unreachable!()
    };
    let hits: Vec<&str> = set
        .evaluate(&event(security))
        .iter()
        .map(|r| r.meta.id.as_str())
        .collect();
    assert!(
        hits.contains(&"502b42de-4306-40b4-9596-6f590c81f073"),
        "{hits:?}"
    );
}

/// The index (routing buckets, literal prefilter, keyword scan) finds exactly the rules that
/// trying every rule finds, on native and ECS events.
#[test]
fn index_finds_what_trying_every_rule_finds() {
    let Some((otrf, rules)) = fixtures() else {
        return;
    };
    let (set, _) = RuleSet::load_dir(&rules).unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&otrf)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".jsonl.gz"))
        .collect();
    files.sort();
    let (mut checked, mut matched) = (0, 0);
    for path in files {
        // Every 10th event keeps the debug-build test short; matching events are all kept.
        for (i, native) in read_gz(&path).into_iter().enumerate() {
            let ecs = to_ecs(&native);
            for fields in [native, ecs] {
                let event = event(fields);
                let fast: Vec<&str> = set
                    .evaluate(&event)
                    .iter()
                    .map(|r| r.meta.id.as_str())
                    .collect();
                if fast.is_empty() && i % 10 != 0 {
                    continue;
                }
                let slow: Vec<&str> = set
                    .evaluate_unindexed(&event)
                    .iter()
                    .map(|r| r.meta.id.as_str())
                    .collect();
                assert_eq!(
                    fast,
                    slow,
                    "{}",
                    serde_json::to_string(&event.fields).unwrap()
                );
                checked += 1;
                matched += usize::from(!fast.is_empty());
            }
        }
    }
    println!("{checked} events checked, {matched} with matches");
    assert!(checked > 4_000 && matched > 100, "{checked} {matched}");
}
