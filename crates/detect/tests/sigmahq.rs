//! The engine against the public SigmaHQ rule set and regression data in
//! `/work/shared/fixtures/sigma` (found relative to the crate; skipped when absent).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use vigie_detect::RuleSet;
use vigie_event::{Event, TenantId};

fn fixtures() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/sigma");
    match std::fs::metadata(&dir) {
        Ok(meta) if meta.is_dir() => Some(dir),
        _ => {
            println!("skipped: Sigma fixtures not found at {}", dir.display());
            None
        }
    }
}

fn event(fields: Value) -> Event {
    let Value::Object(map) = fields else {
        panic!("object expected")
    };
    Event::new(TenantId(1), jiff::Timestamp::UNIX_EPOCH, "test", map)
}

/// A rejection reason with rule-specific names (search identifiers, field names, quoted
/// values) replaced by `…`, to group reasons.
fn reason_kind(reason: &str) -> String {
    // Drop a leading "`search_identifier`: ".
    let reason = match reason.strip_prefix('`').and_then(|r| r.split_once("`: ")) {
        Some((_, rest)) => rest,
        None => reason,
    };
    let mut out = String::new();
    for (i, piece) in reason.split('`').enumerate() {
        let keep = piece.len() <= 16
            && !out.ends_with("field ")
            && piece
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == ' ' || c == ':');
        if i % 2 == 1 {
            out.push('`');
            out.push_str(if keep { piece } else { "…" });
            out.push('`');
        } else {
            out.push_str(piece);
        }
    }
    out.split(" (already loaded")
        .next()
        .unwrap_or_default()
        .chars()
        .take(120)
        .collect()
}

fn load(dir: &Path) -> (RuleSet, vigie_detect::LoadReport) {
    let (set, report) = RuleSet::load_dir(dir).expect("rule directory readable");
    // Every file is accounted for: it loaded a rule or has a rejection.
    let mut seen: BTreeSet<&Path> = BTreeSet::new();
    for meta in &report.loaded {
        seen.insert(meta.path.as_deref().expect("loaded rules have a path"));
    }
    for rejection in &report.rejected {
        assert!(!rejection.reason.is_empty());
        seen.insert(&rejection.path);
    }
    assert_eq!(seen.len(), report.files, "every file loaded or rejected");
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for rejection in &report.rejected {
        *kinds.entry(reason_kind(&rejection.reason)).or_default() += 1;
    }
    let mut kinds: Vec<(String, usize)> = kinds.into_iter().collect();
    kinds.sort_by_key(|kind| std::cmp::Reverse(kind.1));
    println!(
        "{}: {} files, {} rules loaded, {} documents rejected",
        dir.display(),
        report.files,
        report.loaded.len(),
        report.rejected.len()
    );
    for (kind, count) in kinds.iter().take(12) {
        println!("  {count:5}  {kind}");
    }
    (set, report)
}

#[test]
fn sigmahq_main_rule_set_loads() {
    let Some(root) = fixtures() else { return };
    let (set, report) = load(&root.join("rules/rules"));
    for rejection in &report.rejected {
        println!("  rejected: {rejection}");
    }
    assert_eq!(set.len(), report.loaded.len());
    assert!(report.files >= 3000, "{} files", report.files);
    // Measured at SigmaHQ commit 8eaafff: 3141 files, 3141 rules loaded (100 %), 0 rejected.
    let share = report.loaded.len() as f64 / report.files as f64;
    assert!(
        share > 0.98,
        "only {:.1} % of the rules load",
        share * 100.0
    );
}

#[test]
fn sigmahq_other_folders_are_accounted_for() {
    let Some(root) = fixtures() else { return };
    for folder in [
        "rules/rules-emerging-threats",
        "rules/rules-threat-hunting",
        "rules/rules-compliance",
        "rules/rules-placeholder",
        "rules/deprecated",
        "rules/unsupported",
    ] {
        let (_, report) = load(&root.join(folder));
        if folder.ends_with("unsupported") || folder.ends_with("deprecated") {
            // Retired and unusable rules are reported, not run.
            assert!(
                report.loaded.len() * 10 < report.files,
                "{folder}: {}",
                report.loaded.len()
            );
        }
        if folder.ends_with("placeholder") {
            // `expand` rules load, each with a warning naming its placeholders (resolved
            // per tenant from configuration).
            assert!(
                report.loaded.len() * 10 > report.files * 9,
                "{}",
                report.loaded.len()
            );
            assert!(
                report
                    .warnings
                    .iter()
                    .any(|w| w.message.contains("placeholder(s) %"))
            );
        }
    }
}

/// Flattens an evtx_dump record into the native Windows field names rules use.
fn flatten_evtx(record: &Value) -> Value {
    let mut fields = Map::new();
    let event = &record["Event"];
    for key in ["EventID", "Channel", "Computer", "Provider_Name"] {
        let value = match key {
            "Provider_Name" => &event["System"]["Provider"]["#attributes"]["Name"],
            _ => &event["System"][key],
        };
        if !value.is_null() {
            fields.insert(key.to_owned(), value.clone());
        }
    }
    for section in ["EventData", "UserData"] {
        if let Some(Value::Object(data)) = event.get(section) {
            for (key, value) in data {
                match value {
                    // UserData wraps its fields in one more element.
                    Value::Object(inner) if section == "UserData" => {
                        for (k, v) in inner {
                            fields.insert(k.clone(), v.clone());
                        }
                    }
                    _ => {
                        fields.insert(key.clone(), value.clone());
                    }
                }
            }
        }
    }
    Value::Object(fields)
}

#[test]
fn sigmahq_regression_data() {
    let Some(root) = fixtures() else { return };
    let (set, _) = RuleSet::load_dir(&root.join("rules/rules")).unwrap();
    let mut cases = Vec::new();
    let mut stack = vec![root.join("regression_data")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == "info.yml") {
                cases.push(path);
            }
        }
    }
    cases.sort();
    let (mut passed, mut failures, mut unloaded) = (0, Vec::new(), Vec::new());
    let (mut exact, mut more) = (0, Vec::new());
    for info_path in &cases {
        let info: yaml_serde::Value =
            yaml_serde::from_str(&std::fs::read_to_string(info_path).unwrap()).unwrap();
        let rule_id = info["rule_metadata"][0]["id"].as_str().unwrap().to_owned();
        let expected = info["regression_tests_info"][0]["match_count"].as_u64();
        let json_path = info_path.with_file_name(format!("{rule_id}.json"));
        let text = std::fs::read_to_string(&json_path).unwrap();
        let records: Vec<Value> = serde_json::Deserializer::from_str(&text)
            .into_iter::<Value>()
            .collect::<Result<_, _>>()
            .unwrap();
        let Some(rule) = set.get(&rule_id) else {
            unloaded.push(rule_id);
            continue;
        };
        // Routed by logsource and fields mapped, exactly as on the live stream.
        let hits = records
            .iter()
            .filter(|record| {
                set.evaluate(&event(flatten_evtx(record)))
                    .iter()
                    .any(|hit| hit.meta.id == rule.meta.id)
            })
            .count();
        let ok = match expected {
            Some(n) => hits as u64 >= n,
            None => hits >= 1,
        };
        if let Some(n) = expected
            && hits as u64 > n
        {
            more.push(format!(
                "{}: {hits} matches, match_count {n}",
                rule.meta.title
            ));
        } else if ok {
            exact += 1;
        }
        if ok {
            passed += 1;
        } else {
            failures.push(format!(
                "{} ({}): {hits} matches, expected {expected:?}",
                rule.meta.title,
                info_path.parent().unwrap().display()
            ));
        }
    }
    println!(
        "regression: {} cases, {passed} passed, {} failed, {} rules not loaded",
        cases.len(),
        failures.len(),
        unloaded.len()
    );
    println!(
        "  {exact} with exactly match_count (or >= 1 without it), {} with more matches",
        more.len()
    );
    for extra in &more {
        println!("  more: {extra}");
    }
    for failure in &failures {
        println!("  FAIL {failure}");
    }
    for id in &unloaded {
        println!("  rule not loaded: {id}");
    }
    if !cases.is_empty() {
        assert!(cases.len() >= 100);
        assert!(
            failures.is_empty(),
            "{} regression cases failed",
            failures.len()
        );
    }
}

/// The `unsupported/` rules judged on their content (their `status: unsupported` line
/// removed): the engine must still reject what it cannot run, with a reason.
#[test]
fn sigmahq_unsupported_rules_on_their_merits() {
    let Some(root) = fixtures() else { return };
    let dir = root.join("rules/unsupported");
    let mut stack = vec![dir.clone()];
    let mut set = RuleSet::new();
    let mut report = vigie_detect::LoadReport::default();
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yml") {
                let text = std::fs::read_to_string(&path)
                    .unwrap()
                    .replace("status: unsupported", "");
                report.files += 1;
                set.add_yaml(&text, path.strip_prefix(&dir).unwrap(), &mut report);
            }
        }
    }
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for rejection in &report.rejected {
        *kinds.entry(reason_kind(&rejection.reason)).or_default() += 1;
    }
    println!(
        "unsupported/ without status: {} files, {} loaded, {} rejected",
        report.files,
        report.loaded.len(),
        report.rejected.len()
    );
    for (kind, count) in &kinds {
        println!("  {count:5}  {kind}");
    }
    if report.files > 0 {
        assert!(
            report
                .rejected
                .iter()
                .any(|r| r.reason.contains("aggregation"))
        );
    }
}

/// Throughput of the whole main rule set over the regression records. Run with
/// `cargo test --release -p vigie-detect --test sigmahq throughput -- --ignored --nocapture`.
#[test]
#[ignore = "timing, run in release mode"]
fn throughput() {
    let Some(root) = fixtures() else { return };
    let (set, _) = RuleSet::load_dir(&root.join("rules/rules")).unwrap();
    let mut events = Vec::new();
    let mut stack = vec![root.join("regression_data")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).unwrap();
                for record in serde_json::Deserializer::from_str(&text).into_iter::<Value>() {
                    events.push(event(flatten_evtx(&record.unwrap())));
                }
            }
        }
    }
    let start = std::time::Instant::now();
    let mut hits = Vec::new();
    let rounds = 20;
    let mut total = 0;
    for _ in 0..rounds {
        for event in &events {
            hits.clear();
            set.evaluate_into(event, &mut hits);
            total += hits.len();
        }
    }
    let elapsed = start.elapsed();
    let n = events.len() * rounds;
    println!(
        "{} rules x {n} events in {elapsed:?}: {:.0} events/s, {:.1} us/event, {total} matches",
        set.len(),
        n as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e6 / n as f64
    );
    // The costliest rules.
    let mut costs: Vec<(std::time::Duration, &str)> = set
        .rules()
        .iter()
        .map(|rule| {
            let start = std::time::Instant::now();
            for event in &events {
                std::hint::black_box(rule.matches(event));
            }
            (start.elapsed(), rule.meta.title.as_str())
        })
        .collect();
    costs.sort_by_key(|cost| std::cmp::Reverse(cost.0));
    for (cost, title) in costs.iter().take(8) {
        println!(
            "  {:8.1} us/event  {title}",
            cost.as_secs_f64() * 1e6 / events.len() as f64
        );
    }
}
