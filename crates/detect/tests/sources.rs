//! Routing of SigmaHQ's non-Windows rules (`rules/linux`, `network`, `cloud`, `web`,
//! `application`) by source type: a rule runs only on the source types its logsource names,
//! never on events of another product or on events without a source type; what no source
//! serves is reported dormant. And the Sysmon for Linux Log4Shell set, read by vigie's
//! parser, fires the Linux rules.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use vigie_detect::RuleSet;
use vigie_event::{Event, TenantId};

/// The SigmaHQ rules root, or `None` after recording a skip where `scripts/test` counts it.
fn rules_root(test: &str) -> Option<PathBuf> {
    let root =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/sigma/rules/rules");
    if root.is_dir() {
        return Some(root);
    }
    let reason = format!("SigmaHQ rules not found at {}", root.display());
    eprintln!("SKIPPED {test}: {reason}");
    if let Ok(path) = std::env::var("VIGIE_SKIP_LOG")
        && let Ok(mut file) = std::fs::OpenOptions::new().append(true).open(path)
    {
        use std::io::Write;
        let _ = writeln!(file, "{test}: {reason}");
    }
    None
}

/// Every non-Windows SigmaHQ rule folder, loaded into one set.
fn non_windows(root: &Path) -> RuleSet {
    let mut set = RuleSet::new();
    for folder in ["linux", "network", "cloud", "web", "application"] {
        let mut report = vigie_detect::LoadReport::default();
        set.add_dir(&root.join(folder), &mut report).unwrap();
        assert!(report.loaded.len() > 10, "{folder}");
    }
    set
}

fn event(source_type: Option<&str>, fields: Value) -> Event {
    let Value::Object(fields) = fields else {
        panic!()
    };
    Event::new(TenantId(1), jiff::Timestamp::now(), "test", fields)
        .with_source_type(source_type.map(str::to_owned))
}

#[test]
fn non_windows_rules_run_only_on_the_sources_they_name() {
    let Some(root) = rules_root("non_windows_rules_run_only_on_the_sources_they_name") else {
        return;
    };
    let set = non_windows(&root);
    let mapping = set.mapping();
    let mut kinds: Vec<(String, Event)> = Vec::new();
    for name in mapping.types.keys() {
        kinds.push((name.clone(), event(Some(name), json!({"message": "x"}))));
    }
    for id in [1, 3, 5, 11, 23] {
        kinds.push((
            format!("linux.sysmon {id}"),
            event(Some("linux.sysmon"), json!({"EventID": id})),
        ));
    }
    for declared in ["okta.okta", "macos.unified", "myapp.audit"] {
        kinds.push((declared.into(), event(Some(declared), json!({}))));
    }
    let mut routed_total = 0;
    for (label, event) in &kinds {
        let routed = set.routed(event);
        let typed = event.source_type.as_deref().unwrap();
        let product = typed.split('.').next().unwrap();
        let served = mapping.types.get(typed);
        for (rule, route) in &routed {
            let ls = &rule.meta.logsource;
            match &ls.product {
                // The type's own product (`linux` of `linux.sysmon`, or of a declared
                // `okta.okta`), or one its entries name (`fortigate` for
                // `fortinet.fortigate`).
                Some(p) => assert!(
                    p.eq_ignore_ascii_case(product)
                        || served.is_some_and(|t| t
                            .serves
                            .iter()
                            .any(|s| s.product.as_ref() == Some(p))),
                    "{} ({:?}) ran on {label} by {route}",
                    rule.meta.title,
                    ls
                ),
                None => {
                    let served = served.unwrap_or_else(|| {
                        panic!("{} ran on the undeclared {label}", rule.meta.title)
                    });
                    assert!(
                        served.serves.iter().any(|s| s.product.is_none()
                            && (ls.category.is_none() || s.category == ls.category)
                            && (ls.service.is_none() || s.service == ls.service)),
                        "{} ({ls:?}) ran on {label}",
                        rule.meta.title
                    );
                }
            }
        }
        assert_eq!(
            set.routed_count(event),
            routed.len(),
            "{label}: index and routes agree"
        );
        routed_total += routed.len();
    }
    assert!(routed_total > 300, "{routed_total}");
    // Events nothing says anything about run none of these rules: "Cisco Discovery" and
    // "Publicly Accessible RDP Service" no longer fire on a Linux line.
    for plain in [
        json!({"message": "Nov 25 10:00:00 host sshd[1]: whoami"}),
        json!({"CommandLine": "bash -c id"}),
    ] {
        let routed = set.routed(&event(None, plain));
        assert!(
            routed.is_empty(),
            "{:?}",
            routed.iter().map(|r| &r.0.meta.title).collect::<Vec<_>>()
        );
    }
    // A Windows event is not served by them either.
    let windows = event(None, json!({"Channel": "Security", "EventID": 4688}));
    assert!(set.routed(&windows).is_empty());
}

#[test]
fn rules_no_source_feeds_are_reported_dormant() {
    let Some(root) = rules_root("rules_no_source_feeds_are_reported_dormant") else {
        return;
    };
    let mut set = RuleSet::new();
    let mut dormant: BTreeMap<String, usize> = BTreeMap::new();
    let mut loaded = 0;
    for folder in ["linux", "network", "cloud", "web", "application"] {
        let mut report = vigie_detect::LoadReport::default();
        set.add_dir(&root.join(folder), &mut report).unwrap();
        loaded += report.loaded.len();
        for warning in &report.warnings {
            if let Some(reason) = warning.message.strip_prefix("dormant: ") {
                let key = reason.split(';').next().unwrap().to_owned();
                *dormant.entry(key).or_default() += 1;
            } else if warning.message.starts_with("never runs: ") {
                *dormant.entry(warning.message.clone()).or_default() += 1;
            }
        }
    }
    let total: usize = dormant.values().sum();
    println!("{loaded} rules, {total} dormant:");
    for (reason, n) in &dormant {
        println!("  {n:4}  {reason}");
    }
    // GCP, GitHub, OpenCanary, ... have no parser: dormant with the reason, not silently
    // loaded; so are the Cisco IOS rules (vigie reads Cisco ASA/FTD, not AAA accounting).
    for product in ["gcp", "github", "opencanary", "cisco"] {
        assert!(
            dormant
                .keys()
                .any(|r| r.contains(&format!("product `{product}`"))),
            "{product}: {dormant:?}"
        );
    }
    assert!(
        !dormant
            .keys()
            .any(|r| r.contains("`linux`, category `process_creation`"))
    );
    assert!(total < loaded);
}

/// Sysmon for Linux sent over syslog, as the OTRF Log4Shell set recorded it: each event's
/// XML read by vigie's parser (recognised, nothing declared), then the Linux rules.
#[test]
fn sysmon_for_linux_log4shell_fires_linux_rules() {
    let Some(root) = rules_root("sysmon_for_linux_log4shell_fires_linux_rules") else {
        return;
    };
    let logs = root.join("../../../logs/linux_sysmon/otrf");
    let text = std::fs::read_to_string(
        logs.join("syslog_sysmon_log4shell_cve2021_44228_jndi_reference_2022-05-11181020.json"),
    )
    .unwrap();
    let set = non_windows(&root);
    let mut fired: BTreeMap<String, usize> = BTreeMap::new();
    for line in text.lines() {
        let row: Map<String, Value> = serde_json::from_str(line).unwrap();
        // The syslog message alone, as a syslog listener would receive it.
        let mut fields = Map::new();
        fields.insert("message".into(), row["SyslogMessage"].clone());
        let outcome = vigie_parse::normalize(None, &mut fields);
        let typed = outcome.source_type.map(|t| t.to_string());
        assert_eq!(typed.as_deref(), Some("linux.sysmon"));
        let event = event(typed.as_deref(), Value::Object(fields));
        for rule in set.evaluate(&event) {
            assert_eq!(rule.meta.logsource.product.as_deref(), Some("linux"));
            *fired.entry(rule.meta.title.clone()).or_default() += 1;
        }
    }
    println!("{fired:#?}");
    assert!(!fired.is_empty(), "no Linux rule fired");
    assert!(
        fired
            .keys()
            .any(|t| t.to_lowercase().contains("java") || t.contains("Shell")),
        "{fired:?}"
    );
}
