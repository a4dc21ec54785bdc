//! A pySigma processing pipeline, written as pySigma's documentation writes them, makes a
//! SigmaHQ Windows process creation rule (from the shared fixtures, `shared/fixtures/sigma`
//! beside the workspace; skipped when absent) run on a custom EDR's events, under its field
//! names.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};
use vigie_detect::{LoadReport, Mapping, Pipeline, RuleSet};
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

/// Sigma's Windows process creation fields to the names of a custom EDR (`myedr`).
const MYEDR_PIPELINE: &str = r"
name: myedr process events
priority: 20
transformations:
  - id: myedr_logsource
    type: change_logsource
    product: myedr
    service: process
    rule_conditions:
      - type: logsource
        product: windows
        category: process_creation
  - id: myedr_field_names
    type: field_name_mapping
    mapping:
      Image: process.path
      OriginalFileName:
        - process.pe.original_name
        - process.pe.internal_name
      CommandLine: process.command_line
      ParentImage: process.parent.path
      User: process.user
    rule_conditions:
      - type: logsource
        product: myedr
        service: process
  - id: myedr_process_starts
    type: add_condition
    conditions:
      event.action: process_started
    rule_conditions:
      - type: logsource
        product: myedr
";

const RULE_ID: &str = "c248c896-e412-4279-8c15-1c558067b6fa";

fn event(fields: Value) -> Event {
    let Value::Object(map) = fields else {
        panic!("object expected")
    };
    Event::new(TenantId(1), jiff::Timestamp::UNIX_EPOCH, "test", map)
}

fn matched(set: &RuleSet, fields: Value) -> bool {
    set.evaluate(&event(fields))
        .iter()
        .any(|rule| rule.meta.id == RULE_ID)
}

#[test]
fn a_pysigma_pipeline_maps_a_sigmahq_rule_to_custom_field_names() {
    let Some(sigma) = fixtures() else { return };
    let path = sigma
        .join("rules/rules/windows/process_creation/proc_creation_win_whoami_all_execution.yml");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => {
            println!("skipped: {}: {error}", path.display());
            return;
        }
    };
    let pipeline = Pipeline::from_yaml(MYEDR_PIPELINE, Path::new("myedr.yml"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(pipeline.transformation_count(), 3);
    let mut set = RuleSet::with_pipelines(Arc::new(Mapping::shipped()), vec![pipeline]);
    let mut report = LoadReport::default();
    set.add_yaml(&text, Path::new("whoami_all.yml"), &mut report);
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    let rule = set.get(RULE_ID).expect("the SigmaHQ rule loads");
    assert_eq!(rule.meta.logsource.product.as_deref(), Some("myedr"));
    assert_eq!(rule.meta.logsource.category, None);

    let edr = json!({
        "event": {"action": "process_started"},
        "process": {
            "path": "C:\\Windows\\System32\\whoami.exe",
            "command_line": "whoami.exe /all",
            "user": "CORP\\alice",
        },
    });
    assert!(matched(&set, edr.clone()));
    // `OriginalFileName` maps to two names: either one serves (renamed binary).
    let renamed = json!({
        "event": {"action": "process_started"},
        "process": {
            "path": "C:\\Users\\Public\\w.exe",
            "pe": {"internal_name": "whoami.exe"},
            "command_line": "w.exe -all",
        },
    });
    assert!(matched(&set, renamed));
    // The added condition: other EDR actions do not fire.
    let mut stopped = edr.clone();
    stopped["event"]["action"] = json!("process_stopped");
    assert!(!matched(&set, stopped));
    // The same process under Sigma's own names, without the custom ones.
    let sigma_names = json!({
        "event": {"action": "process_started"},
        "Image": "C:\\Windows\\System32\\whoami.exe",
        "OriginalFileName": "whoami.exe",
        "CommandLine": "whoami.exe /all",
    });
    assert!(!matched(&set, sigma_names.clone()));
    let mut no_flag = edr;
    no_flag["process"]["command_line"] = json!("whoami.exe");
    assert!(!matched(&set, no_flag));

    // Without the pipeline the rule stays a Windows rule and ignores the EDR's events.
    let (plain, report) = RuleSet::from_yaml(&text, Path::new("whoami_all.yml"));
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    assert!(!matched(
        &plain,
        json!({
            "event": {"action": "process_started"},
            "process": {"path": "C:\\Windows\\System32\\whoami.exe", "command_line": "whoami /all"},
        })
    ));
}

#[test]
fn the_pipeline_leaves_rules_of_other_logsources_alone() {
    let Some(sigma) = fixtures() else { return };
    let dir = sigma.join("rules/rules/linux/process_creation");
    if std::fs::metadata(&dir).is_err() {
        println!("skipped: {} not found", dir.display());
        return;
    }
    let pipeline = || {
        Pipeline::from_yaml(MYEDR_PIPELINE, Path::new("myedr.yml"))
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let mut with = RuleSet::with_pipelines(Arc::new(Mapping::shipped()), vec![pipeline()]);
    let mut report = LoadReport::default();
    with.add_dir(&dir, &mut report).unwrap();
    let (without, plain) = RuleSet::load_dir(&dir).unwrap();
    assert!(!report.loaded.is_empty());
    assert_eq!(report.loaded, plain.loaded);
    assert_eq!(report.rejected, plain.rejected);
    assert_eq!(with.len(), without.len());
}
