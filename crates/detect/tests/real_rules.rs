//! A few real SigmaHQ rules against hand-written events in native Windows/Zeek/syslog field
//! names: what must match, and near misses that must not.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use vigie_detect::{Level, Rule, RuleSet};
use vigie_event::{Event, TenantId};

fn rules_dir() -> Option<PathBuf> {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/sigma/rules/rules");
    match std::fs::metadata(&dir) {
        Ok(meta) if meta.is_dir() => Some(dir),
        _ => {
            println!("skipped: SigmaHQ rules not found at {}", dir.display());
            None
        }
    }
}

fn load(relative: &str) -> Option<RuleSet> {
    let path = rules_dir()?.join(relative);
    let text = std::fs::read_to_string(&path).expect("rule file");
    let (set, report) = RuleSet::from_yaml(&text, Path::new(relative));
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    assert_eq!(set.len(), 1);
    Some(set)
}

fn event(fields: Value) -> Event {
    let Value::Object(map) = fields else {
        panic!("object expected")
    };
    Event::new(TenantId(1), jiff::Timestamp::UNIX_EPOCH, "test", map)
}

fn rule(set: &RuleSet) -> &Rule {
    &set.rules()[0]
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                char::from(A[((n >> (18 - 6 * i)) & 63) as usize])
            } else {
                '='
            });
        }
    }
    out
}

#[test]
fn whoami_all_with_windash() {
    let Some(set) = load("windows/process_creation/proc_creation_win_whoami_all_execution.yml")
    else {
        return;
    };
    let r = rule(&set);
    assert_eq!(r.meta.id, "c248c896-e412-4279-8c15-1c558067b6fa");
    assert_eq!(
        r.meta.logsource.category.as_deref(),
        Some("process_creation")
    );
    for cli in ["whoami -all", "whoami /ALL", "whoami \u{2013}all"] {
        assert!(
            r.matches(&event(
                json!({"Image": "C:\\Windows\\System32\\whoami.exe", "CommandLine": cli})
            )),
            "{cli}"
        );
    }
    // Renamed binary found through OriginalFileName.
    assert!(r.matches(&event(json!({"Image": "C:\\tmp\\x.exe", "OriginalFileName": "WHOAMI.EXE", "CommandLine": "x /all"}))));
    // Near misses: no flag, other binary, flag glued to a word.
    assert!(!r.matches(&event(
        json!({"Image": "C:\\Windows\\System32\\whoami.exe", "CommandLine": "whoami /groups"})
    )));
    assert!(!r.matches(&event(
        json!({"Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd /all"})
    )));
    assert!(!r.matches(&event(
        json!({"Image": "C:\\Windows\\System32\\whoami.exe", "CommandLine": "whoami x-all"})
    )));
    assert!(!r.matches(&event(
        json!({"Image": "C:\\Windows\\System32\\whoami.exe.bak", "CommandLine": "whoami /all"})
    )));
}

#[test]
fn powershell_base64_iex() {
    let Some(set) = load("windows/process_creation/proc_creation_win_powershell_base64_iex.yml")
    else {
        return;
    };
    let r = rule(&set);
    for prefix in ["", "a", "ab"] {
        let payload = base64(
            format!("{prefix}IEX (New-Object Net.WebClient).DownloadString('x')").as_bytes(),
        );
        assert!(
            r.matches(&event(
                json!({"CommandLine": format!("powershell -e {payload}")})
            )),
            "prefix {prefix:?}"
        );
    }
    // The UTF-16LE variants listed literally in the rule.
    assert!(r.matches(&event(
        json!({"CommandLine": "powershell -enc SQBFAFgAIAAoAE4AZQB3AC0A"})
    )));
    // Near misses: plain text, and another command encoded.
    assert!(!r.matches(&event(
        json!({"CommandLine": "powershell IEX (New-Object Net.WebClient)"})
    )));
    let other = base64(b"Get-Process | Out-File x.txt");
    assert!(!r.matches(&event(
        json!({"CommandLine": format!("powershell -e {other}")})
    )));
}

#[test]
fn zeek_rdp_public_listener_cidr() {
    let Some(set) = load("network/zeek/zeek_rdp_public_listener.yml") else {
        return;
    };
    let r = rule(&set);
    // Nested (`{"id": {"orig_h": ..}}`) and flat (`"id.orig_h"`) Zeek shapes.
    assert!(r.matches(&event(json!({"id": {"orig_h": "8.8.8.8", "resp_p": 3389}}))));
    assert!(r.matches(&event(json!({"id.orig_h": "2a00:1450::1"}))));
    assert!(!r.matches(&event(json!({"id": {"orig_h": "192.168.1.20"}}))));
    assert!(!r.matches(&event(json!({"id.orig_h": "fd12::1"}))));
    assert!(!r.matches(&event(json!({"id.orig_h": "172.20.0.1"}))));
}

#[test]
fn linux_clear_history_keywords() {
    let Some(set) = load("linux/builtin/lnx_shell_clear_cmd_history.yml") else {
        return;
    };
    let r = rule(&set);
    assert_eq!(r.meta.level, Level::High);
    assert!(r.matches(&event(json!({"message": "bob: rm ~/.bash_history"}))));
    assert!(r.matches(&event(json!({"msg": "user ran HISTORY -C now"}))));
    assert!(r.matches(&event(
        json!({"process": {"args": ["sh", "-c", "truncate -s0 /root/.zsh_history"]}})
    )));
    assert!(!r.matches(&event(json!({"message": "rm ~/.bash_profile"}))));
    assert!(!r.matches(&event(json!({"message": "history"}))));
}

#[test]
fn whole_set_on_a_malicious_and_a_benign_event() {
    let Some(dir) = rules_dir() else { return };
    let (set, _) = RuleSet::load_dir(&dir).unwrap();
    let malicious = event(json!({
        "EventID": 1,
        "Channel": "Microsoft-Windows-Sysmon/Operational",
        "Image": "C:\\Windows\\System32\\whoami.exe",
        "OriginalFileName": "whoami.exe",
        "CommandLine": "whoami /all",
        "ParentImage": "C:\\Windows\\System32\\cmd.exe",
        "User": "CORP\\bob",
        "IntegrityLevel": "Medium",
    }));
    let hits: Vec<&str> = set
        .evaluate(&malicious)
        .iter()
        .map(|r| r.meta.id.as_str())
        .collect();
    println!("{} rules match whoami /all: {hits:?}", hits.len());
    assert!(hits.contains(&"c248c896-e412-4279-8c15-1c558067b6fa"));
    let benign = event(json!({
        "EventID": 1,
        "Channel": "Microsoft-Windows-Sysmon/Operational",
        "Image": "C:\\Program Files\\Mozilla Firefox\\firefox.exe",
        "CommandLine": "\"C:\\Program Files\\Mozilla Firefox\\firefox.exe\" -contentproc",
        "ParentImage": "C:\\Program Files\\Mozilla Firefox\\firefox.exe",
    }));
    let hits: Vec<&str> = set
        .evaluate(&benign)
        .iter()
        .map(|r| r.meta.title.as_str())
        .collect();
    // Routed: rules of other logsources (e.g. `not selection` rules for Zeek) stay silent.
    println!(
        "{} rules match a benign firefox start: {hits:?}",
        hits.len()
    );
    assert!(hits.is_empty(), "{hits:?}");
}
